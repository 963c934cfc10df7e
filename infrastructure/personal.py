"""Personal data encrypted per case, field by field, as events and snapshots are stored.

The fields below (the youth's identity and contact details, the guardian's, every free-text
note about the youth) are each replaced, before the event is encoded, by AES-256-GCM
ciphertext under the key of the case they belong to, with the case id and the field's path
as associated data. Everything else (kinds, dates, statuses, ids) stays readable, so views and
reports keep counting after erasure. Reading back, a field whose case key was destroyed reads
as erased: "[erased]" for text, an empty list or mapping, or nothing.
"""

from __future__ import annotations

import base64
import dataclasses
import secrets
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Aggregate, DomainEventProtocol, Snapshot
from eventsourcing.persistence import Compressor, Mapper, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic

from domain.common import ERASED
from domain.mentoring_pair import MentoringPair
from domain.referral import Referral
from domain.youth_case import YouthCase
from infrastructure.keys import NONCE_BYTES, KeyRing

YOUTH = [
    f"youth.{name}"
    for name in ("full_name", "date_of_birth", "id_number", "guardian_name", "guardian_phone", "address", "school")
]

# Which fields of which events hold personal data (paths: `a.b`, `a[*]` for each item of a list).
EVENT_FIELDS: dict[tuple[type[Aggregate], str], list[str]] = {
    (YouthCase, "Opened"): [*YOUTH, "summary", "second_case_reason"],
    (YouthCase, "RiskAssessed"): ["assessment.notes"],
    (YouthCase, "PlanSet"): ["goals[*]"],
    (YouthCase, "PlanSubmitted"): ["submission.goals[*].text"],
    (YouthCase, "PlanApproved"): ["note"],
    (YouthCase, "PlanAdopted"): ["goals[*].text"],
    (YouthCase, "PlanReturned"): ["note"],
    (YouthCase, "GoalReviewed"): ["goal", "note"],
    (YouthCase, "ClosureSubmitted"): ["submission.outcome", "submission.notes"],
    (YouthCase, "ClosureApproved"): ["note"],
    (YouthCase, "ClosureReturned"): ["note"],
    (YouthCase, "TransferRequested"): ["request.reason"],
    (YouthCase, "TransferAccepted"): ["note"],
    (YouthCase, "TransferDeclined"): ["note"],
    (YouthCase, "TransferWithdrawn"): ["note"],
    (YouthCase, "InterventionLogged"): ["intervention.notes"],
    (YouthCase, "ConsentRecorded"): ["consent.given_by"],
    (YouthCase, "Closed"): ["outcome", "notes"],
    (YouthCase, "Reopened"): ["reason"],
    (YouthCase, "Sealed"): ["mark.reason"],
    (YouthCase, "Unsealed"): ["reason"],
    (MentoringPair, "Matched"): ["goals[*]"],
    (MentoringPair, "SessionLogged"): ["session.notes"],
    (MentoringPair, "GoalProgressUpdated"): ["progress.goal", "progress.note"],
    (MentoringPair, "Paused"): ["reason"],
    (MentoringPair, "Closed"): ["reason"],
    (Referral, "Made"): ["reason"],
    (Referral, "ProgressNoted"): ["note"],
    (Referral, "Completed"): ["outcome"],
    (Referral, "Declined"): ["reason"],
    (Referral, "Withdrawn"): ["reason"],
    (Referral, "ConsentOverridden"): ["reason"],
}
# The same data as it stands in a snapshot's state.
SNAPSHOT_FIELDS: dict[type[Aggregate], list[str]] = {
    YouthCase: [
        *YOUTH,
        "summary",
        "risk_assessments[*].notes",
        "plan[*]",
        "_plan_goals[*].text",
        "_pending_plan.goals[*].text",
        "_pending_closure.outcome",
        "_pending_closure.notes",
        "_pending_transfer.reason",
        "interventions[*].notes",
        "consents[*].given_by",
        "outcome",
        "closing_notes",
        "reopen_reasons[*]",
        "_seal.reason",
        "_second_case_reason",
    ],
    MentoringPair: [
        "goals",
        "goal_notes[*].goal",
        "goal_notes[*].note",
        "sessions[*].notes",
        "pause_reason",
        "closing_reason",
    ],
    Referral: ["reason", "notes[*]", "outcome", "decline_reason", "withdrawal_reason", "_consent_override.reason"],
}
CASE_KINDS = (YouthCase, MentoringPair, Referral)


@dataclasses.dataclass(frozen=True)
class Ciphertext:
    """One personal field as stored: nonce and AES-GCM ciphertext, and what kind of value it was."""

    data: bytes
    kind: str  # "text", "list", "dict" or "other": what an erased value reads as


class CiphertextAsDict(Transcoding):
    type = Ciphertext
    name = "personal"

    def encode(self, obj: Ciphertext) -> dict[str, str]:
        return {"k": obj.kind, "d": base64.b64encode(obj.data).decode()}

    def decode(self, data: dict[str, str]) -> Ciphertext:
        return Ciphertext(base64.b64decode(data["d"]), data["k"])


def _topic_fields() -> dict[str, tuple[type[Aggregate], list[str]]]:
    """Each personal event's topic: the kind of record it belongs to, and its personal paths."""
    return {get_topic(getattr(kind, name)): (kind, paths) for (kind, name), paths in EVENT_FIELDS.items()}


class PersonalMapper(Mapper[UUID]):
    """The library's mapper, with personal fields encrypted under their case's key."""

    def __init__(self, transcoder: Transcoder, compressor: Compressor | None = None, cipher: Any = None) -> None:
        super().__init__(transcoder, compressor, cipher)
        transcoder.register(CiphertextAsDict())  # type: ignore[attr-defined]
        self.keys: KeyRing | None = None
        self._fields = _topic_fields()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        paths, state_of, case_id = self._personal(domain_event)
        if not paths:
            return super().to_stored_event(domain_event)
        assert case_id is not None  # a record being written always knows its case
        key = self._ring().key_for(case_id, create=True)
        if key is None:
            raise PermissionError(f"case {case_id} was erased: nothing more of it can be stored")
        cipher = AESGCM(key)

        def seal(value: Any, path: str) -> Any:
            if value is None:
                return None
            plain = self.transcoder.encode({"v": value})
            nonce = secrets.token_bytes(NONCE_BYTES)
            return Ciphertext(nonce + cipher.encrypt(nonce, plain, _aad(case_id, path)), _kind(value))

        original = dict(vars(domain_event))
        if state_of:
            return super().to_stored_event(self._sealed_snapshot(domain_event, original, paths, seal))
        sealed = _apply(original, state_of, paths, seal)
        copy = object.__new__(type(domain_event))
        object.__setattr__(copy, "__dict__", sealed)
        return super().to_stored_event(copy)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        paths, state_of, case_id = self._personal(event, reading=True)
        if not paths:
            return event
        ciphers: dict[str, AESGCM | None] = {}

        def cipher_of_case() -> AESGCM | None:
            if "case" not in ciphers:  # looked up only when a field is encrypted at all
                if case_id is None:
                    raise LookupError(f"record {event.originator_id} belongs to no known case")
                key = self._ring().key_for(case_id)
                ciphers["case"] = AESGCM(key) if key is not None else None
            return ciphers["case"]

        def open_(value: Any, path: str) -> Any:
            if not isinstance(value, Ciphertext):
                return value  # written before encryption
            cipher = cipher_of_case()
            if cipher is None:
                return _erased(value.kind)
            try:
                plain = cipher.decrypt(value.data[:NONCE_BYTES], value.data[NONCE_BYTES:], _aad(case_id, path))
            except InvalidTag as error:
                raise ValueError(f"personal field {path} of case {case_id} does not decrypt") from error
            return self.transcoder.decode(plain)["v"]

        if state_of and isinstance(event.state, dict) and BATCHES in event.state:  # type: ignore[attr-defined]
            paths = self._open_batches(event, paths, case_id, cipher_of_case)
        object.__setattr__(event, "__dict__", _apply(dict(vars(event)), state_of, paths, open_))
        return event

    # -- a snapshot's lists: one ciphertext per path, not one per item

    def _sealed_snapshot(
        self, snapshot: Any, original: dict[str, Any], paths: list[str], seal: Callable[[Any, str], Any]
    ) -> Any:
        """The snapshot with each path under a list (`a[*].b`) sealed whole: the values in order in one
        ciphertext, each item's value left empty. A case of 10,000 interventions then costs one
        encryption and one decryption for their notes, not 10,000."""
        listed = [path for path in paths if "[*]" in path]
        batches = {}
        for path in listed:
            values = [_get(holder, key) for holder, key in _slots(original["state"], _parts(path))]
            batches[path] = {
                "kinds": [_kind(v) if v is not None else None for v in values],
                "sealed": seal(values, path),
            }
        sealed = _apply(original, True, [path for path in paths if path not in batches], seal)
        sealed = _apply(sealed, True, listed, lambda value, path: None)
        sealed["state"] = {**sealed["state"], BATCHES: batches}
        copy = object.__new__(type(snapshot))
        object.__setattr__(copy, "__dict__", sealed)
        return copy

    def _open_batches(
        self, snapshot: Any, paths: list[str], case_id: UUID | None, cipher_of_case: Callable[[], AESGCM | None]
    ) -> list[str]:
        """Put each sealed list's values back in place (the state was just decoded: nothing else holds
        it); the paths still sealed one by one."""
        state = snapshot.state
        batches: dict[str, dict[str, Any]] = state.pop(BATCHES)
        cipher = cipher_of_case()
        for path, batch in batches.items():
            kinds = batch["kinds"]
            if cipher is None:
                values = [None if kind is None else _erased(kind) for kind in kinds]
            else:
                sealed: Ciphertext = batch["sealed"]
                try:
                    plain = cipher.decrypt(sealed.data[:NONCE_BYTES], sealed.data[NONCE_BYTES:], _aad(case_id, path))
                except InvalidTag as error:
                    raise ValueError(f"personal field {path} of case {case_id} does not decrypt") from error
                values = self.transcoder.decode(plain)["v"]
            slots = list(_slots(state, _parts(path)))
            if len(slots) != len(values):
                raise ValueError(
                    f"personal field {path} of case {case_id}: {len(values)} values for {len(slots)} places"
                )
            for (holder, key), value in zip(slots, values, strict=True):
                _set(holder, key, value)
        return [path for path in paths if path not in batches]

    # -- which fields, of which case

    def _personal(self, event: Any, *, reading: bool = False) -> tuple[list[str], bool, UUID | None]:
        """The event's personal paths, whether they are under `state` (a snapshot), and its case."""
        state_of = isinstance(event, Snapshot)
        if state_of:
            kind: type[Aggregate] | None = resolve_topic(event.topic)
            paths = SNAPSHOT_FIELDS.get(kind, [])  # type: ignore[arg-type]
        else:
            kind, paths = self._fields.get(get_topic(type(event)), (None, []))
        if not paths:
            return [], False, None
        record_id = event.originator_id
        if kind is YouthCase:
            return paths, state_of, record_id
        state = event.state if state_of else vars(event)
        case_id = state.get("case_id") if isinstance(state, dict) else None
        ring = self._ring()
        if case_id is not None and not reading:
            ring.remember_case(record_id, case_id)
            return paths, state_of, case_id
        found = case_id or ring.case_of(record_id)
        if found is None and not reading:
            raise LookupError(f"record {record_id} belongs to no known case")
        return paths, state_of, found

    def _ring(self) -> KeyRing:
        if self.keys is None:
            raise RuntimeError(
                "the personal-data mapper has no key ring: build the application with create_application"
            )
        return self.keys


BATCHES = "_personal_lists"  # where a snapshot's state keeps its sealed lists


def _slots(value: Any, parts: list[str]) -> Iterator[tuple[Any, Any]]:
    """(holder, key) of each place `parts` names under `value`, in order (see `_at`)."""
    if value is None or not parts:
        return
    head, rest = parts[0], parts[1:]
    if head == "[*]":
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if rest:
                    yield from _slots(item, rest)
                else:
                    yield value, index
        return
    if isinstance(value, dict):
        if head in value:
            yield from (_slots(value[head], rest) if rest else [(value, head)])
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from (_slots(getattr(value, head), rest) if rest else [(value, head)])


def _get(holder: Any, key: Any) -> Any:
    return holder[key] if isinstance(holder, (dict, list)) else getattr(holder, key)


def _set(holder: Any, key: Any, value: Any) -> None:
    if isinstance(holder, (dict, list)):
        holder[key] = value
    else:
        object.__setattr__(holder, key, value)  # a frozen value just decoded, held by nothing else


def _aad(case_id: UUID | None, path: str) -> bytes:
    assert case_id is not None
    return case_id.bytes + b"|" + path.encode()


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "other"


def _erased(kind: str) -> Any:
    return {"text": ERASED, "list": [], "dict": {}}.get(kind)


def _apply(
    state: dict[str, Any], under_state: bool, paths: list[str], change: Callable[[Any, str], Any]
) -> dict[str, Any]:
    """`state` with `change(value, path)` applied at each path (a copy; frozen values are replaced)."""
    root = dict(state)
    if under_state:
        inner = dict(root["state"])
        for path in paths:
            inner = _at(inner, _parts(path), path, change)
        root["state"] = inner
        return root
    for path in paths:
        root = _at(root, _parts(path), path, change)
    return root


def _parts(path: str) -> list[str]:
    """`a[*].b` as ["a", "[*]", "b"]."""
    parts: list[str] = []
    for piece in path.split("."):
        parts.append(piece.removesuffix("[*]"))
        if piece.endswith("[*]"):
            parts.append("[*]")
    return parts


def _at(value: Any, parts: list[str], path: str, change: Callable[[Any, str], Any]) -> Any:
    if not parts:
        return change(value, path)
    head, rest = parts[0], parts[1:]
    if value is None:
        return None
    if head == "[*]":
        if not isinstance(value, (list, tuple)):
            return value
        return type(value)(_at(item, rest, path, change) for item in value)
    if isinstance(value, dict):
        if head not in value:
            return value
        return {**value, head: _at(value[head], rest, path, change)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _replaced(value, head, _at(getattr(value, head), rest, path, change))
    return value


def _replaced(value: Any, name: str, new: Any) -> Any:
    """A copy of the (frozen) dataclass `value` with `name` set to `new`, its other fields as they
    are: the field changes form (plain, sealed, erased), so no constructor checks apply. A tenth of
    what `dataclasses.replace` costs, which matters with 10,000 interventions in a snapshot."""
    if not hasattr(value, "__dict__"):  # slots: only the constructor sets fields
        return dataclasses.replace(value, **{name: new})
    twin = object.__new__(type(value))
    twin.__dict__.update(value.__dict__)
    twin.__dict__[name] = new
    return twin
