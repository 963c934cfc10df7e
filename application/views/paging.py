"""Cursor pagination: an opaque token that says where the previous page ended."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from domain.common import InvalidValue


def encode_cursor(*values: Any) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, length: int) -> list[Any]:
    """The values a cursor carries; a token this service did not make is bad input (422)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise InvalidValue("not a cursor from a previous page", rule="bad_cursor", field="cursor")
    return values
