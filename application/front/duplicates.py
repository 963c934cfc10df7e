"""Duplicate youths through the front door: what a caller is told of the cases matching a youth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from uuid import UUID

from application.access.policy import Action
from application.access.principal import Caller
from application.base import Written
from application.errors import NotFound, PossibleDuplicate
from application.front.registry import RegistryFront
from application.views.case_search import CaseFilter


class DuplicatesFront(RegistryFront):
    def _visible_cases(self, caller: Caller, case_ids: list[UUID]) -> list[UUID]:
        """Those of `case_ids` the caller may read. A sealed case is never among them, whoever asks:
        telling of it would link the youth to a sealed record."""
        shown = []
        for case_id in case_ids:
            try:
                facts = self.facts("case", case_id)
            except NotFound:
                continue
            if facts.seal is None and self.allows(caller.principal, Action.CASE_READ, facts):
                shown.append(case_id)
        return shown

    def _registered(self, caller: Caller, open_case: Callable[[], Written]) -> Written:
        """Open a case; a possible duplicate names the matching case only if the caller may read it,
        and a warning names only the cases the caller may read. Cases named are read-logged."""
        try:
            written = open_case()
        except PossibleDuplicate as found:
            visible = self._visible_cases(caller, found.matches)
            if visible:
                self.logged(caller, {"case_id": visible[0]})
            raise PossibleDuplicate(found.message, matches=[], shown=visible[0] if visible else None) from None
        if "warnings" not in written.record:
            return written
        warnings = []
        for warning in written.record["warnings"]:
            visible = self._visible_cases(caller, warning["case_ids"])
            warnings.append(warning | {"case_ids": [str(case_id) for case_id in visible]})
            if visible:
                self.logged(caller, [{"case_id": case_id} for case_id in visible])
        return replace(written, record=written.record | {"warnings": warnings})

    def _by_id_number(self, where: CaseFilter) -> CaseFilter:
        """A search by ID number, turned into a search for the cases its keyed hash finds."""
        if where.id_number is None:
            return where
        return replace(where, id_number=None, case_ids=frozenset(self.core.cases_with_id_number(where.id_number)))
