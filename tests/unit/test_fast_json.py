"""The orjson transcoder reads and writes exactly what the library's JSON transcoder does.

Events already stored were written by the library's `JSONTranscoder`; they must read back
the same, and what is written now must read back the same with the library's transcoder
(an older release of the service, a tool, a backup restored elsewhere).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID, uuid5

import pytest
from eventsourcing.persistence import JSONTranscoder, Transcoder, TranscodingNotRegisteredError
from pydantic import SecretStr

from application.app import YouthCare
from application.fast_json import OrjsonTranscoder
from bench.seed import seed
from infrastructure.persistence import MEMORY_URL, create_application
from infrastructure.personal import CiphertextAsDict
from infrastructure.settings import Settings

SAMPLE_ID = uuid5(UUID(int=0), "sample")
SAMPLE_TIME = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=timezone(timedelta(hours=8)))


def transcoders() -> tuple[Transcoder, Transcoder]:
    """The library's transcoder and ours, each with every type the application registers."""
    app = YouthCare()
    try:
        old, new = JSONTranscoder(), OrjsonTranscoder()
        for transcoder in (old, new):
            app.register_transcodings(transcoder)
            transcoder.register(CiphertextAsDict())  # the personal-data mapper's own
        return old, new
    finally:
        app.close()


OLD, NEW = transcoders()


def sample(kind: Any) -> Any:
    """A value of `kind` (a type hint), with something in every field."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return sample(next(arg for arg in args if arg is not type(None)))
    if origin in (list, tuple):
        return origin([sample(args[0])])
    if origin is dict:
        return {"key": sample(args[1])}
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(**{field.name: sample(hints[field.name]) for field in dataclasses.fields(kind)})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return list(kind)[-1]
    known: dict[Any, Any] = {
        str: 'Zhang Xiaoming 张小明 \x01\n"quoted"',
        int: 7,
        bool: True,
        bytes: b"\x00\xffbytes",
        UUID: SAMPLE_ID,
        datetime: SAMPLE_TIME,
        date: date(2011, 5, 2),
        Decimal: Decimal("12.50"),
        Any: "anything",
    }
    return known[kind]


@pytest.mark.parametrize("name", sorted(OLD.names))  # type: ignore[attr-defined]
def test_every_registered_type_is_written_to_the_same_bytes_and_read_back_the_same(name: str) -> None:
    value = sample(OLD.names[name].type)  # type: ignore[attr-defined]
    stored = {"value": value, "in_a_list": [value, {"nested": value}]}
    written = OLD.encode(stored)
    assert f'"_type_":"{name}"'.encode() in written
    assert NEW.encode(stored) == written
    assert NEW.decode(written) == OLD.decode(written) == stored


@pytest.mark.parametrize(
    "value",
    [
        {"float": 1e16, "small": 0.1, "whole": 100.0},
        {"not a number": float("nan")},
        {"huge": 2**70, "negative": -(2**63) - 1, "edge": 2**64 - 1},
        {1: "an integer key", None: "a null key"},
        {"control": "\x00\x1f\x7f\u2028", "emoji": "🙂", "escapes": '\\ " / \b\f\n\r\t'},
        {"empty": {}, "empties": [[], {}], "tuple": (1, 2), "truth": [True, False, None]},
        {"_type_": "only a key that looks like a type"},
    ],
    ids=["floats", "nan", "big-integers", "non-text-keys", "text", "containers", "type-lookalike"],
)
def test_plain_values_are_written_to_the_same_bytes_and_read_back_the_same(value: Any) -> None:
    written = OLD.encode(value)
    assert NEW.encode(value) == written
    old, new = OLD.decode(written), NEW.decode(written)
    assert repr(new) == repr(old)  # NaN is not equal to itself; its repr is


def test_a_type_that_is_not_registered_is_refused_as_the_library_refuses_it() -> None:
    with pytest.raises(TranscodingNotRegisteredError):
        NEW.encode({"when": timedelta(days=1)})


def test_every_stored_event_of_a_seeded_log_reads_the_same_and_writes_back_the_same_bytes() -> None:
    app = create_application(Settings(database_url=SecretStr(MEMORY_URL)))
    try:
        assert isinstance(app.mapper.transcoder, OrjsonTranscoder)  # what the application writes with
        seed(app, 400)
        notifications = app.recorder.select_notifications(None, limit=10_000)
        assert len(notifications) >= 400
        for notification in notifications:
            read = NEW.decode(notification.state)
            assert read == OLD.decode(notification.state)
            assert OLD.encode(read) == NEW.encode(read) == notification.state
    finally:
        app.close()
