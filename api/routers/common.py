"""Small pieces the routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.schemas import DIGITS, NO_CONTROL_CHARACTERS, Moment
from application.base import MAX_VERSION

AtVersion = Annotated[
    int | None,
    Query(ge=1, le=MAX_VERSION, description="Read the record as it stood at this version (1 = as created)."),
    DIGITS,
]

ConsistentWith = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**63 - 1,
        description=(
            "A `position` a command answered. The view waits (a few seconds at most) until it has applied it, "
            "so you read your own writes; past the wait: 503 with Retry-After."
        ),
    ),
    DIGITS,
]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page."), DIGITS]
Cursor = Annotated[
    str | None,
    Query(
        max_length=500,
        pattern=NO_CONTROL_CHARACTERS,
        description="`next_cursor` of the previous page; omit for the first page.",
    ),
]
AsOf = Annotated[
    Moment | None,
    Query(
        description=(
            "Read the record as it stood at this moment (ISO 8601 with a zone); an event at exactly this "
            "moment is included. Before the record existed: 404. Not together with `version`."
        )
    ),
]
AfterVersion = Annotated[
    int, Query(ge=0, le=MAX_VERSION, description="List events after this version (0: from the start)."), DIGITS
]
HistoryLimit = Annotated[int, Query(ge=1, le=500, description="Events per page."), DIGITS]
OverdueDays = Annotated[
    int | None,
    Query(ge=1, le=3650, description="Accepted referrals not completed within this many days are overdue."),
    DIGITS,
]
