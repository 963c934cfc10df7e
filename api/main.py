"""The FastAPI app. `uvicorn --factory api.main:create_app` serves it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from api import errors, idempotency, pages, prefer
from api.errors import ERROR_RESPONSES
from api.limits import BodyLimit, BodyTooLarge
from api.observing import Observing, service_router
from api.openapi import linked_openapi
from api.pages.web import form_too_large
from api.routers import audit, auth, cases, coordination, organisation, pairs, referrals, reports, users, volunteers
from infrastructure.front import anchor_writer, bootstrap, create_front
from infrastructure.logs import configure_logging
from infrastructure.metrics import Metrics
from infrastructure.persistence import create_application, database_url, setup_lock
from infrastructure.projector import Projector, ProjectorThread
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore


def _too_large(request: Request, refused: BodyTooLarge) -> Response:
    """A body declared too large: the pages answer with a page, the API with problem+json."""
    if request.url.path.startswith("/ui/"):
        return form_too_large(request, refused)
    return errors.body_too_large(request, refused)


def operation_id(route: APIRoute) -> str:
    """The route function's name (`open_case`): what generated clients call the operation."""
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app. The event-sourced application is made at start-up, not import."""
    settings = settings or Settings()
    configure_logging(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        application = create_application(settings)
        projector = Projector(application, ViewStore(application, settings), batch_size=settings.projector_batch_size)
        app.state.youthcare = application
        app.state.projector = projector
        application.observer = metrics
        metrics.follow(projector)
        front = create_front(settings, projector)
        with setup_lock(database_url(settings), settings.database_schema):
            bootstrap(front, settings)  # one worker at a time: the first makes `admin`, the others see it
        app.state.front = front
        runner = ProjectorThread(projector, settings.projector_idle_seconds, settings.projector_stop_seconds)
        anchors = anchor_writer(settings, front)
        if settings.projector == "embedded":
            runner.start()
            anchors.start()
        try:
            yield
        finally:
            if settings.projector == "embedded":
                anchors.stop()
                runner.stop()
            projector.close()
            application.close()

    app = FastAPI(
        title="youthcare",
        summary="Event-sourced case management for youth care and mentoring.",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    errors.install(app)
    app.openapi = linked_openapi(app)  # type: ignore[method-assign]
    idempotency.install(app)
    prefer.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, refuse=_too_large)
    app.add_middleware(Observing, metrics=metrics)
    app.include_router(service_router(settings, metrics))
    for module in (auth, users, organisation, volunteers, cases, pairs, referrals, audit, coordination, reports):
        app.include_router(module.router, responses=ERROR_RESPONSES)
    app.include_router(auth.work_list, responses=ERROR_RESPONSES)
    pages.install(app, settings)
    return app
