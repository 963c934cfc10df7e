"""What every command that touches the store shares: settings, the opened store, the front door, the caller."""

from __future__ import annotations

import getpass
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO
from uuid import NAMESPACE_OID, uuid5

from api.cli.output import ProgressBar
from application.access.principal import Caller, Principal
from application.front import Front
from domain.common import Role
from infrastructure.front import create_front
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged, so that a live progress bar, which
    stands in for sys.stderr while it runs, prints the line above itself instead of being torn."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def load_settings() -> Settings:
    """The same YOUTHCARE_* settings as the API, with log lines on standard error."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=[_CurrentStderr()]
    )
    return Settings()


@contextmanager
def opened(settings: Settings) -> Iterator[Projector]:
    """The application and its projector for one command; both closed when it ends."""
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings), batch_size=settings.projector_batch_size)
    try:
        yield projector
    finally:
        projector.close()
        app.close()


@contextmanager
def front_door(settings: Settings) -> Iterator[Front]:
    """The front door for one command, its views first brought up to date (unless another runner is at it)."""
    with opened(settings) as projector:
        for view in projector.views:
            bar = ProgressBar.on_terminal(f"{view.name}", sys.stderr)
            try:
                projector.run_view_once(view, progress=bar)
            finally:
                if bar is not None:
                    bar.close()
        yield create_front(settings, projector)


def acting_as(role: Role, command: str) -> Caller:
    """Whoever runs the command on the server, in the role the command needs; the read log and
    the events name them as `console:<login>`."""
    username = f"console:{getpass.getuser()}"
    principal = Principal(
        user_id=uuid5(NAMESPACE_OID, username), username=username, display_name=username, role=role, scope_id=None
    )
    return Caller(principal=principal, endpoint=f"youthcare {command}", address="console")
