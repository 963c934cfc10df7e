"""Whether this process should be sent traffic: the event store answers, and every view is
built and within its lag bound. Positions come from the tracking table, so this holds whether
the projector runs in this process or in another (`YOUTHCARE_PROJECTOR=off`)."""

from __future__ import annotations

import logging

from infrastructure.projector import Projector

logger = logging.getLogger(__name__)

STORE_UNAVAILABLE = "event store unavailable"


def not_ready_because(projector: Projector, max_lag: int) -> list[str]:
    """Why the service is not ready; empty when it is. No counts, versions or names of people."""
    try:
        projector.head()  # a cheap query: the newest position in the log
        statuses = projector.status(count_at_most=max_lag + 1)  # counting further would not change the answer
    except Exception as error:  # noqa: BLE001  whatever the store's failure, the answer is the same
        logger.warning("readiness: the event store did not answer (%s)", type(error).__name__)
        return [STORE_UNAVAILABLE]
    reasons = []
    for status in statuses:
        if status.stored_version != status.code_version:
            reasons.append(f"view {status.view} is being built")
        elif status.lag_events > max_lag:
            reasons.append(f"view {status.view} is behind the event log")
    return reasons
