"""Duplicate youths: a youth with an open case anywhere in the district is not registered twice by accident.

The same ID number as an open case refuses the registration (`PossibleDuplicate`) unless the
caller confirms a deliberate second case, with its reason; the same name and date of birth is
only a warning. The index of who each case is about holds keyed hashes only
(infrastructure/youth_ids.py); whether a matching case is open and not erased is read from the
case itself, so closing, reopening and erasing need no upkeep of the index beyond the erasure's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol
from uuid import UUID

from application.base import BaseApp
from application.errors import InvalidValue, NotFound, PossibleDuplicate
from domain.youth_case import CaseStatus, Youth, YouthCase

SAME_NAME_AND_BIRTH = "same_name_and_date_of_birth"


class YouthRegistration(Protocol):
    def cases_with_id(self) -> list[UUID]: ...

    def cases_with_name_and_birth(self) -> list[UUID]: ...

    def add(self, case_id: UUID) -> None: ...


class YouthIndex(Protocol):
    """Keyed hashes of each case's youth, written with the case's Opened event (infrastructure)."""

    def registering(self, youth: Youth) -> AbstractContextManager[YouthRegistration]: ...

    def cases_with_id_number(self, id_number: str) -> list[UUID]: ...

    def forget(self, case_id: UUID) -> None: ...


class DuplicateCheck(BaseApp):
    youth_ids: YouthIndex | None = None  # set by whoever builds the application with its store

    @contextmanager
    def _registering(
        self, case: YouthCase, *, confirm_new: bool, confirm_reason: str | None
    ) -> Iterator[list[dict[str, Any]]]:
        """Check `case`'s youth against the open cases, then let the caller save it in the same
        transaction, which adds the youth to the index. Yields the warnings for the answer."""
        if confirm_new and not (confirm_reason or "").strip():
            raise InvalidValue(
                "a deliberate second case needs its reason", rule="confirm_reason_required", field="confirm_reason"
            )
        if self.youth_ids is None:
            yield []
            return
        with self._deferring_wakeups(), self.youth_ids.registering(case.youth) as registration:
            same_id = self._open_cases(registration.cases_with_id())
            if same_id and not confirm_new:
                raise PossibleDuplicate(
                    "a youth with this ID number has an open case; send confirm_new with a reason to open a second one",
                    matches=same_id,
                )
            similar = [c for c in self._open_cases(registration.cases_with_name_and_birth()) if c not in same_id]
            warnings = []
            if similar:
                warnings.append(
                    {
                        "rule": SAME_NAME_AND_BIRTH,
                        "detail": "a youth with the same name and date of birth has an open case",
                        "case_ids": similar,
                    }
                )
            yield warnings
            registration.add(case.id)

    def _open_cases(self, case_ids: list[UUID]) -> list[UUID]:
        """Those of `case_ids` that are open and not erased, oldest first."""
        found = []
        for case_id in case_ids:
            try:
                case = self._load(YouthCase, case_id)
            except NotFound:  # its events were rolled back while its row was not: none
                continue
            if case.status is CaseStatus.OPEN and not case.erased:
                found.append(case)
        return [case.id for case in sorted(found, key=lambda c: c.created_on)]

    def cases_with_id_number(self, id_number: str) -> list[UUID]:
        """The cases whose youth has this ID number, compared through its keyed hash."""
        return [] if self.youth_ids is None else self.youth_ids.cases_with_id_number(id_number)
