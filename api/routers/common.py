"""Small pieces the routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.schemas import NO_CONTROL_CHARACTERS, Moment

AtVersion = Annotated[
    int | None, Query(ge=1, description="Read the record as it stood at this version (1 = as created).")
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
]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
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
    int, Query(ge=0, le=2**31 - 1, description="List events after this version (0: from the start).")
]
HistoryLimit = Annotated[int, Query(ge=1, le=500, description="Events per page.")]
OverdueDays = Annotated[
    int | None,
    Query(ge=1, le=3650, description="Accepted referrals not completed within this many days are overdue."),
]
