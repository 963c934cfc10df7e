"""The case a page's "new" form (a pair, a referral) was for."""

from __future__ import annotations

from uuid import UUID

from starlette.datastructures import FormData

from api.pages.web import text
from application.errors import NotFound


def case_of(form: FormData) -> UUID:
    """The case a form names in its hidden `case_id` (a forged one is a missing page)."""
    try:
        return UUID(text(form, "case_id"))
    except ValueError:
        raise NotFound("no such case") from None
