"""Small pieces the routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

AtVersion = Annotated[
    int | None, Query(ge=1, description="Read the record as it stood at this version (1 = as created).")
]
