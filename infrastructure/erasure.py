"""Erasure: destroy a case's key, drop its snapshots, its youth's keyed hashes and its personal fields in the views.

The events stay as they were written, ciphertext and all, so every hash chain still holds;
without the key, nothing personal in them can be read again.
"""

from __future__ import annotations

import logging
from uuid import UUID

from sqlalchemy import delete, inspect, update

from application.app import YouthCare
from application.views.casework_tables import cases
from domain.common import ERASED
from infrastructure.keys import KeyRing
from infrastructure.view_store import ViewStore

logger = logging.getLogger(__name__)


class Eraser:
    def __init__(self, app: YouthCare, store: ViewStore, ring: KeyRing) -> None:
        self.app = app
        self.store = store
        self.ring = ring

    def erase(self, case_id: UUID) -> None:
        """Destroy the key of the case (and so of its pairs and referrals), in one transaction with
        dropping their snapshots and the case's name in the views. Doing it again does no harm."""
        records = [case_id, *self.ring.records_of(case_id)]
        snapshots = getattr(getattr(self.app.snapshots, "recorder", None), "events_record_cls", None)
        with self.store.transaction() as conn:
            self.ring.destroy(case_id)
            if self.app.youth_ids is not None:
                self.app.youth_ids.forget(case_id)  # the erased youth is found no more
            if snapshots is not None:
                table = snapshots.__table__
                conn.execute(delete(table).where(table.c.originator_id.in_(records)))
            if inspect(conn).has_table(cases.name, schema=self.store.schema):
                conn.execute(update(cases).where(cases.c.case_id == case_id).values(youth_display_name=ERASED))
        # The aggregate cache holds records decrypted: the next load reads them as they are now stored.
        self.app.forget(records)
        if self.store.dialect == "sqlite" and not self.store.in_memory:  # nothing on disk to fold in otherwise
            self._checkpoint()

    def _checkpoint(self) -> None:
        """Fold the write-ahead log into the database file and empty it, so no copy of an
        overwritten page is left in it."""
        try:
            with self.store.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # noqa: BLE001 - a busy log is folded in at the next checkpoint
            logger.warning("write-ahead log not checkpointed after an erasure", exc_info=True)
