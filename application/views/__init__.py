"""The read side: views projected from the event log, and the queries that read them."""

from __future__ import annotations

from application.views.audit_trail import AuditTrail
from application.views.base import View
from application.views.casework import Casework
from application.views.hash_chain import HashChain

VIEWS: tuple[type[View], ...] = (AuditTrail, Casework, HashChain)
