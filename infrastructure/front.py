"""Build the application's front door from the settings: policy, sign-in, read log, views."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from application.access.read_log import ReadLog
from application.access.signin import Passwords, SignInRules, SignInStore
from application.access.tables import create_tables
from application.front import Front
from application.views.read_side import ReadPolicy, ReadSide
from infrastructure.anchors import AnchorSigner, AnchorWriter
from infrastructure.erasure import Eraser
from infrastructure.keys import master_key
from infrastructure.persistence import setup_lock
from infrastructure.projector import Projector
from infrastructure.settings import Settings

logger = logging.getLogger(__name__)


class NoUsers(RuntimeError):
    """Production with no user and no bootstrap password: nobody could ever sign in."""


def create_front(settings: Settings, projector: Projector) -> Front:
    """The front door over the projector's application and views; its tables created."""
    store = projector.store
    with setup_lock(store.url, store.schema), store.transaction() as conn:
        create_tables(conn)
    application = projector.app
    policy = ReadPolicy(
        consistency_wait_seconds=settings.consistency_wait_seconds,
        referral_overdue_days=settings.referral_overdue_days,
        mentor_contact_days=settings.mentor_contact_days,
        session_due_days=settings.session_due_days,
    )
    rules = SignInRules(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
        max_failures=settings.sign_in_max_failures,
        failure_window=timedelta(minutes=settings.sign_in_failure_window_minutes),
    )
    front = Front(
        application,
        ReadSide(projector, policy, clock=application.clock),
        SignInStore(store, rules),
        Passwords(time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib),
        ReadLog(store),
        Eraser(application, store, application.mapper.keys),  # type: ignore[attr-defined]
    )
    front.allow_own_approval = settings.allow_own_approval
    return front


def anchor_writer(settings: Settings, front: Front) -> AnchorWriter:
    """Signed anchors of the front's log chain, written every `anchor_interval_minutes` once started."""
    return AnchorWriter(
        front.reads.anchor,
        AnchorSigner(master_key(settings)),
        Path(settings.anchor_dir),
        settings.anchor_interval_minutes,
    )


def bootstrap(front: Front, settings: Settings) -> None:
    """Make `admin` when there is no user and a bootstrap password is set; refuse production without either."""
    password = settings.bootstrap_admin_password
    if password is not None:
        if front.bootstrap_admin(password.get_secret_value()) is not None:
            logger.warning("created the first user, admin, from YOUTHCARE_BOOTSTRAP_ADMIN_PASSWORD")
        return
    if front.core.has_users():
        return
    if settings.environment == "production":
        raise NoUsers(
            "no user exists and YOUTHCARE_BOOTSTRAP_ADMIN_PASSWORD is not set: nobody could sign in. "
            "Set it for the first start, or add a user with `youthcare users add admin --role admin`."
        )
    logger.warning(
        "no user exists yet: set YOUTHCARE_BOOTSTRAP_ADMIN_PASSWORD, or run `youthcare users add NAME --role admin`"
    )
