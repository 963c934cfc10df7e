"""What whoever runs the service watches: liveness, readiness, metrics, and the request line.

`/healthz` and `/readyz` need no token (load balancers call them) and say no more than ready
or not and why. `/metrics` is for an admin's token or a listed address, since counts can leak
activity.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from ipaddress import ip_address
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.answers import Health, NotReady, Ready
from api.deps import Door, bearer, get_token
from api.errors import ERROR_RESPONSES, PROBLEM_JSON
from application.errors import Forbidden
from domain.common import Role
from infrastructure.logs import REQUEST_ID_HEADER, RequestContext, current_request, note_user
from infrastructure.metrics import CONTENT_TYPE, Metrics
from infrastructure.readiness import not_ready_because
from infrastructure.settings import Settings

requests_logger = logging.getLogger("youthcare.requests")
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:+=/-]{1,128}$")
UNMATCHED = "unmatched"  # no route: one label for every such path, however many there are
NOT_READY_RETRY_AFTER = "5"


class Observing:
    """Gives each request its id (the client's `X-Request-ID` if sane, else a new one, echoed back),
    makes it the context of every log line written while serving it, counts it by route template
    and status, and writes one line when it is answered."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = given if given is not None and SANE_REQUEST_ID.match(given) else uuid.uuid4().hex
        context = RequestContext(request_id=request_id, scope=scope)
        # Not reset afterwards: each request runs in a task of its own, and the error handler
        # outside this middleware still logs an unexpected failure with the request's id.
        current_request.set(context)
        started = time.perf_counter()
        status = 500  # unless an answer starts: an exception escaped to the outermost handler

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            seconds = time.perf_counter() - started
            route, method = context.route or UNMATCHED, scope["method"]
            self.metrics.request(method, route, status, seconds)
            requests_logger.info(
                "%s %s %s %.1f ms",
                method,
                route,
                status,
                seconds * 1000,
                extra={"method": method, "status": status, "duration_ms": round(seconds * 1000, 1)},
            )


def service_router(settings: Settings, metrics: Metrics) -> APIRouter:
    router = APIRouter(tags=["service"])

    @router.get("/healthz", response_model=Health)
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        response_model=Ready,
        responses={503: {"model": NotReady, "description": "Not ready: the reasons, and `Retry-After`."}},
    )
    def readyz(request: Request) -> JSONResponse:
        """Readiness: 200 when the event store answers and every view is built and within
        `YOUTHCARE_READY_MAX_LAG` events of the log's head; 503 with the reasons otherwise."""
        reasons = not_ready_because(request.app.state.projector, settings.ready_max_lag)
        if reasons:
            return JSONResponse(
                {"status": "not ready", "reasons": reasons},
                status_code=503,
                headers={"Retry-After": NOT_READY_RETRY_AFTER, "Cache-Control": "no-store"},
            )
        return JSONResponse({"status": "ready"}, headers={"Cache-Control": "no-store"})

    @router.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text format."},
            **{status: _problem(ERROR_RESPONSES[status]["description"]) for status in (401, 403)},
        },
    )
    def read_metrics(request: Request, door: Door, token: Annotated[str | None, Depends(bearer)]) -> Response:
        """Prometheus metrics: for an admin's bearer token, or from an address in
        `YOUTHCARE_METRICS_ALLOW_FROM`."""
        address = request.client.host if request.client else None
        if not _listed(address, settings):
            principal = door.authenticate(get_token(token))
            note_user(principal.user_id)
            if principal.role is not Role.ADMIN:
                raise Forbidden("only an admin, or a listed address, may read the metrics")
        return Response(metrics.exposition(), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    return router


def _problem(description: str) -> dict[str, Any]:
    """An error documented under its own media type, whatever the route answers when it succeeds."""
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _listed(address: str | None, settings: Settings) -> bool:
    if address is None or not settings.metrics_allow_from:
        return False
    try:
        client = ip_address(address)
    except ValueError:  # a test client's made-up host, a Unix socket
        return False
    return any(client in network for network in settings.metrics_allow_from)
