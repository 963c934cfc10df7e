"""Sign-in and the read log on every store: concurrent appends keep one gapless chain, a user and
their password are saved together, production will not start without a way to sign in."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from application.access.principal import Caller
from application.access.read_log import ReadEntry
from application.errors import StoreUnavailable
from application.front import Front
from domain.common import Role
from infrastructure.front import NoUsers, bootstrap, create_front
from infrastructure.persistence import MEMORY_URL, create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.api.acting import ADMIN_PASSWORD, FAST_HASHING
from tests.unit.test_settings import TEST_MASTER_KEY

READERS, READS_EACH = 4, 25


@pytest.fixture
def front(store_settings: Settings) -> Iterator[Front]:
    settings = store_settings.model_copy(update=FAST_HASHING)
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    made = create_front(settings, projector)
    made.bootstrap_admin(ADMIN_PASSWORD)
    yield made
    projector.close()
    app.close()


def table(front: Front, name: str) -> str:
    schema = front.signin.db.schema  # type: ignore[attr-defined]
    return f'"{schema}".{name}' if schema else name


def admin(front: Front) -> Caller:
    return Caller(principal=front.authenticate(front.sign_in("admin", ADMIN_PASSWORD, None)["access_token"]))


def test_concurrent_reads_append_one_gapless_chain(front: Front) -> None:
    def read(n: int) -> list[int]:
        entry = ReadEntry(
            at=datetime.now(timezone.utc),
            username=f"reader-{n}",
            role="auditor",
            endpoint="GET /cases",
            address=None,
            purpose=None,
        )
        return [front.read_log.append(entry) for _ in range(READS_EACH)]

    with ThreadPoolExecutor(READERS) as pool:
        seqs = sorted(seq for batch in pool.map(read, range(READERS)) for seq in batch)

    assert seqs == list(range(1, READERS * READS_EACH + 1))
    verified = front.read_log.verify()
    assert verified["ok"] is True and verified["entries"] == READERS * READS_EACH


def test_a_user_whose_password_cannot_be_stored_is_not_created(front: Front, store_settings: Settings) -> None:
    if store_settings.database_url.get_secret_value() == MEMORY_URL:
        pytest.skip("the in-memory event store shares no transaction with SQL tables")
    caller = admin(front)
    with front.signin.db.transaction() as conn:
        conn.execute(text(f"DROP TABLE {table(front, 'auth_credentials')}"))

    with pytest.raises(Exception):  # noqa: B017 - whichever error the driver raises
        front.create_user(
            caller, username="wu", display_name="Wu", password=ADMIN_PASSWORD, role=Role.AUDITOR, scope_id=None
        )

    assert front.core.user_named("wu") is None


def test_a_read_log_that_cannot_be_written_refuses_the_read(front: Front) -> None:
    caller = admin(front)
    with front.signin.db.transaction() as conn:
        conn.execute(text(f"DROP TABLE {table(front, 'access_log')}"))

    with pytest.raises(StoreUnavailable):
        front.get_user(caller, caller.principal.user_id)


def test_production_with_no_user_and_no_bootstrap_password_refuses_to_start(tmp_path: object) -> None:
    settings = Settings(
        database_url=SecretStr(MEMORY_URL),
        environment="production",
        bootstrap_admin_password=None,
        master_key=SecretStr(TEST_MASTER_KEY),
    )
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    try:
        front = create_front(settings, projector)
        with pytest.raises(NoUsers, match="YOUTHCARE_BOOTSTRAP_ADMIN_PASSWORD"):
            bootstrap(front, settings)
        bootstrap(front, settings.model_copy(update={"bootstrap_admin_password": SecretStr(ADMIN_PASSWORD)}))
        bootstrap(front, settings)  # users exist now: starts
        assert [u["username"] for u in front.core.list_users()] == ["admin"]
    finally:
        projector.close()
        app.close()


def test_production_refuses_a_weak_password_hash() -> None:
    with pytest.raises(ValueError, match="OWASP"):
        Settings(
            database_url=SecretStr(MEMORY_URL),
            environment="production",
            master_key=SecretStr(TEST_MASTER_KEY),
            **FAST_HASHING,
        )
