"""The library's aggregate cache, with copies that cost what a record's top level costs.

The library's repository keeps one object per record and fast-forwards it with the events
stored after it (so writes by other processes are seen), then hands out a `deepcopy`: for a
case of 10,000 interventions that copy costs more than replaying it from a snapshot. Every
value our aggregates hold is immutable (frozen dataclasses, enums, strings, dates) except
their top-level lists, dicts and sets, which event bodies change in place (`append`, item
assignment). So a copy of the top level is a private record: a command may change it and a
failed save leaves the cached object as stored. Every copy is made, and every fast-forward
done, under the record's lock, so no caller ever sees the cached object half advanced.

A record erased (its case key destroyed) must not be served from memory in decrypted form:
`evict` drops records, and a load that began before an eviction does not put what it read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.domain import Aggregate

from domain.youth_case import YouthCase

R = TypeVar("R")

_CONTAINERS = (list, dict, set)


def copy_record(record: R) -> R:
    """A copy of `record` whose top-level lists, dicts and sets are its own (see the module)."""
    twin = object.__new__(type(record))
    twin.__dict__.update(
        {name: value.copy() if type(value) in _CONTAINERS else value for name, value in vars(record).items()}
    )
    return twin


class CopyingRepository(Repository[UUID]):
    """The library's repository; with a cache, each load gets a top-level copy made under the record's lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._evictions = 0  # bumped by evict: a load that began before it does not cache its result
        self._evictions_lock = threading.Lock()
        # Told of each erased case read whole, before it is read: the key ring forgets the key it
        # holds, so an erasure finished by another process is seen (infrastructure/persistence.py).
        self.on_erased: Callable[[UUID], None] = lambda case_id: None
        self._request = threading.local()  # records brought up to date in this thread's command (see `one_command`)

    def get(  # type: ignore[override]
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = project_aggregate,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        if self.cache is None or version is not None or not self.fastforward:
            return super().get(
                aggregate_id,
                version=version,
                projector_func=projector_func,
                fastforward_skipping=fastforward_skipping,
                deepcopy_from_cache=deepcopy_from_cache,
            )
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                return copy_record(self._current(aggregate_id, projector_func))
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    @contextmanager
    def one_command(self) -> Iterator[None]:
        """Within it, a record this thread brought up to date is not looked up again on its next load
        (the access check reads it, then the command loads it): anything a client knew of when it sent
        the command was stored before the first load. A save that loses a race to a later write fails
        on the store's unique index and is retried with a fresh load."""
        outer = getattr(self._request, "fresh", None)
        self._request.fresh = set() if outer is None else outer
        try:
            yield
        finally:
            self._request.fresh = outer

    def _current(self, aggregate_id: UUID, projector_func: Any) -> Any:
        """The cached record brought up to date with the events stored after it, or one read whole."""
        assert self.cache is not None
        fresh: set[UUID] | None = getattr(self._request, "fresh", None)
        try:
            cached = self.cache.get(aggregate_id)
        except KeyError:
            record = self._read_whole(aggregate_id, projector_func)
            if fresh is not None:
                fresh.add(aggregate_id)
            return record
        if fresh is not None:
            if aggregate_id in fresh:
                fresh.discard(aggregate_id)  # once: a retry after a lost race looks again
                return cached
            fresh.add(aggregate_id)
        newer = list(self.event_store.get(originator_id=aggregate_id, gt=cached.version))
        if not newer:
            return cached
        if any(_erases(event) for event in newer):
            # What was decrypted before the erasure must not be kept: read it again as stored now.
            self.evict([aggregate_id])
            self.on_erased(aggregate_id)
            return self._read_whole(aggregate_id, projector_func)
        advanced = projector_func(cached, newer)
        if advanced is None:
            raise AggregateNotFoundError(aggregate_id)
        return advanced

    def _read_whole(self, aggregate_id: UUID, projector_func: Any) -> Any:
        assert self.cache is not None
        began = self._evictions
        record = self._reconstruct_aggregate(aggregate_id, None, projector_func)
        if _erased(record):  # never kept, and read with the key as the database holds it now
            self.on_erased(aggregate_id)
            return self._reconstruct_aggregate(aggregate_id, None, projector_func)
        if began == self._evictions:
            self.cache.put(aggregate_id, record)
        return record

    def evict(self, record_ids: Iterable[UUID]) -> None:
        """Forget these records: the next load reads them from the store."""
        if self.cache is None:
            return
        with self._evictions_lock:
            self._evictions += 1
        for record_id in record_ids:
            with suppress(KeyError):
                self.cache.get(record_id, evict=True)


def _erased(record: Aggregate) -> bool:
    return bool(getattr(record, "erased", False))


def _erases(event: Any) -> bool:
    return isinstance(event, YouthCase.Erased)  # type: ignore[attr-defined]
