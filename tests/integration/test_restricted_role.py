"""The service under a PostgreSQL role that can append events but not change them (`youthcare database setup`)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from application.access.principal import Caller
from domain.common import Role
from infrastructure.front import create_front
from infrastructure.grants import grant_statements, set_up
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.api.acting import ADMIN_PASSWORD, FAST_HASHING
from tests.integration.test_application import STAFF, open_case, station

pytestmark = pytest.mark.postgres


def test_a_role_set_up_by_the_database_command_works_and_cannot_change_events(
    pg_schema: tuple[str, str], tmp_path: Path
) -> None:
    url, schema = pg_schema
    owner = Settings(database_url=SecretStr(url), database_schema=schema)
    role = f"youthcare_app_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    ran = set_up(owner, role, password="not checked under trust auth")  # tables, trigger, role, grants
    assert ran == grant_statements(role, schema)
    set_up(owner, role, password=None)  # again: the role exists, nothing breaks
    as_role = make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
    settings = Settings(database_url=SecretStr(as_role), database_schema=schema, snapshot_interval=2)
    try:
        app = create_application(settings)
        try:
            case_id = open_case(app, station(app))
            app.assess_risk(STAFF, case_id, instrument="screening", score=3, level="low", notes="")
            app.assess_risk(STAFF, case_id, instrument="screening", score=4, level="low", notes="")
            runner = Projector(app, ViewStore(app, settings))
            for view in runner.views:
                assert runner.run_view_once(view)
            front = create_front(settings.model_copy(update=FAST_HASHING), runner)
            front.bootstrap_admin(ADMIN_PASSWORD)
            token = front.sign_in("admin", ADMIN_PASSWORD, None)["access_token"]
            admin_caller = Caller(principal=front.authenticate(token))
            front.create_user(
                admin_caller,
                username="aud",
                display_name="A",
                password=ADMIN_PASSWORD,
                role=Role.AUDITOR,
                scope_id=None,
            )
            auditor = Caller(principal=front.authenticate(front.sign_in("aud", ADMIN_PASSWORD, None)["access_token"]))
            assert front.get_case(auditor, case_id, version=None, as_of=None)["version"] == 3
            assert front.read_log.verify()["entries"] == 1
            runner.close()
            role_engine = create_engine(as_role)
            for sql in ("UPDATE {t} SET topic = topic", "DELETE FROM {t}", "TRUNCATE {t}"):
                with pytest.raises(DBAPIError), role_engine.begin() as conn:
                    conn.execute(text(sql.format(t=f'"{schema}".youthcare_events')))
            for sql in ("UPDATE {t} SET purpose = 'changed'", "DELETE FROM {t}"):  # the read log is append-only too
                with pytest.raises(DBAPIError, match="permission denied"), role_engine.begin() as conn:
                    conn.execute(text(sql.format(t=f'"{schema}".access_log')))
            with pytest.raises(DBAPIError, match="must be owner"), role_engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE "{schema}".youthcare_events DISABLE TRIGGER USER'))
            role_engine.dispose()
            assert app.get_case(case_id)["version"] == 3
        finally:
            app.close()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
