"""The youthcare application: one event-sourced Application, composed by area."""

from __future__ import annotations

from application.access.users import UserService
from application.history import HistoryService
from application.mentoring import MentoringService
from application.organisation import OrganisationService
from application.referrals import ReferralService
from application.volunteers import VolunteerService


class YouthCare(OrganisationService, VolunteerService, MentoringService, ReferralService, HistoryService, UserService):
    """Stations, departments, volunteers, cases, mentoring pairs, referrals and users."""

    name = "YouthCare"
    # The library's JSON format, parsed and written by orjson (application/fast_json.py).
    env = {"TRANSCODER_TOPIC": "application.fast_json:OrjsonTranscoder"}  # noqa: RUF012

    def close(self) -> None:
        """Close the store, and with it every pooled database connection. The SQLAlchemy
        extension's factory leaves its engine's pool open until the engine is garbage-collected,
        so a process that makes and closes applications (the tests, a CLI command) would keep
        their connections to the server."""
        super().close()
        datastore = getattr(self.recorder, "datastore", None)
        if datastore is not None:
            datastore.engine.dispose()
