"""Pages of the audit area (see `api/pages/routes/__init__.py` for the addresses)."""

from __future__ import annotations

from fastapi import APIRouter

from api.pages.web import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
