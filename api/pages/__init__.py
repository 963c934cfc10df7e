"""The web pages: server-rendered, in Chinese and English, calling the same front door as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.pages.i18n import Dictionary
from api.pages.nav import nav_links, page_href, task_href
from api.pages.routes import (
    admin,
    admin_people,
    admin_places,
    admin_volunteers,
    audit,
    case_forms,
    cases,
    coordination,
    decisions,
    home,
    mentoring,
    referrals,
    sealing,
)
from api.pages.web import make_environment
from infrastructure.settings import Settings

STATIC = Path(__file__).parent / "static"
# decisions and sealing before cases: `/ui/cases/{id}/plan`, `/ui/cases/{id}/seal` are more specific
# than anything of the case page's
AREAS = (
    home,
    decisions,
    sealing,
    cases,
    case_forms,
    mentoring,
    referrals,
    coordination,
    audit,
    admin,
    admin_people,
    admin_places,
    admin_volunteers,
)
ROUTERS = tuple(area.router for area in AREAS)


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the pages and their static files from `app`."""
    environment = make_environment()
    environment.globals.update(nav_links=nav_links, page_href=page_href, task_href=task_href)
    app.state.page_environment = environment
    app.state.page_dictionary = Dictionary(settings.time_zone)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(home.unknown)  # last: only what no page above answers
