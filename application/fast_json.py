"""The library's JSON transcoding of events and snapshots, parsed and written by orjson.

Stored events keep exactly the library's format: compact JSON, text as UTF-8, and every
registered type as `{"_type_": name, "_data_": ...}`. orjson parses into plain values and
the registered types are then rebuilt bottom-up, as the library's decoder does with its
object hook; numbers that are not integers are left to the library's decoder (orjson reads
integers beyond 64 bits as floats). Writing, registered types are turned into that form first (orjson would
otherwise write datetimes, UUIDs, enums and dataclasses its own way), and whatever orjson
might render differently from the library (floats, keys that are not text, integers beyond
64 bits) is left to the library's own encoder, so the bytes stored are the same either way.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError


class NotPlain(Exception):
    """A value orjson might write differently from the library's encoder."""


class OrjsonTranscoder(JSONTranscoder):
    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._plain(obj))
        except (NotPlain, orjson.JSONEncodeError):
            return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        try:
            return self._rebuilt(orjson.loads(data))
        except (orjson.JSONDecodeError, NotPlain):
            # NaN, which the library's encoder writes and orjson refuses; numbers, which orjson
            # reads as floats beyond 64-bit integers: rare in events, read as the library reads them.
            return super().decode(data)

    def _rebuilt(self, value: Any) -> Any:
        """`value` with every `{"_type_", "_data_"}` object decoded, innermost first."""
        if type(value) is dict:
            for key, item in value.items():
                if type(item) is dict or type(item) is list:
                    value[key] = self._rebuilt(item)
                elif type(item) is float:
                    raise NotPlain
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self._decode_obj(value)
            return value
        if type(value) is list:
            for index, item in enumerate(value):
                if type(item) is dict or type(item) is list:
                    value[index] = self._rebuilt(item)
                elif type(item) is float:
                    raise NotPlain
        elif type(value) is float:
            raise NotPlain
        return value

    def _plain(self, value: Any) -> Any:
        """`value` as the library's encoder sees it: JSON's own types as they are, others through
        their registered transcoding (the same checks, in the same order, as `json`'s encoder)."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            if kind is int and not -(2**63) <= value < 2**64:
                raise NotPlain
            return value
        if kind is dict:
            if any(type(key) is not str for key in value):
                raise NotPlain
            return {key: self._plain(item) for key, item in value.items()}
        if kind is list or kind is tuple:
            return [self._plain(item) for item in value]
        if isinstance(value, (str, int, float, list, tuple, dict)):
            raise NotPlain  # floats, and subclasses of JSON's types, which `json` writes as their base
        try:
            transcoding = self.types[kind]
        except KeyError:
            raise TranscodingNotRegisteredError(
                f"Object of type {kind} is not serializable. Please define and register "
                "a custom transcoding for this type."
            ) from None
        return {"_type_": transcoding.name, "_data_": self._plain(transcoding.encode(value))}
