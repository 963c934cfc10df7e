"""Run the service under a PostgreSQL role that owns nothing: what it may do, and setting it up.

The owner of `youthcare_events` can disable the trigger that keeps it append-only; a role
that owns nothing cannot. The owner creates the tables once (`youthcare database setup`),
then the service connects as the app role, which may:

- read and append events (UPDATE only because `LOCK TABLE ... IN EXCLUSIVE MODE` needs it;
  the trigger refuses every UPDATE), read and add snapshots;
- read and write the views' tables, which are the service's own working tables;
- change password hashes and sessions; only append to failed sign-ins and the read log.
"""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from application.access.tables import metadata as access_metadata
from application.views import VIEWS
from infrastructure.front import create_front
from infrastructure.persistence import MEMORY_URL, create_application
from infrastructure.projector import Projector, tracking_metadata
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY_ACCESS = ("auth_failures", "access_log", "access_log_refs")


def _view_tables() -> list[str]:
    names = [table.name for view in VIEWS for table in view.metadata.sorted_tables]
    return sorted({*names, *(table.name for table in tracking_metadata.sorted_tables)})


def grant_statements(role: str, schema: str | None) -> list[str]:
    """The SQL that gives `role` what the service needs and nothing more."""
    if not ROLE_NAME.match(role):
        raise ValueError(f"not a role name this command will use: {role!r}")
    where = f'"{schema}"' if schema else "public"

    def tables(names: list[str] | tuple[str, ...]) -> str:
        return ", ".join(f"{where}.{name}" for name in names)

    mutable_access = [t.name for t in access_metadata.sorted_tables if t.name not in APPEND_ONLY_ACCESS]
    return [
        f'GRANT USAGE ON SCHEMA {where} TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE ON {where}.youthcare_events TO "{role}"',
        f'GRANT USAGE ON SEQUENCE {where}.youthcare_events_id_seq TO "{role}"',
        f'GRANT SELECT, INSERT ON {where}.youthcare_snapshots TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {tables(_view_tables())} TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE ON {tables(sorted(mutable_access))} TO "{role}"',
        f'GRANT SELECT, INSERT ON {tables(APPEND_ONLY_ACCESS)} TO "{role}"',
        # keyed links and which case a record belongs to are only ever added; case keys are destroyed
        f'GRANT SELECT, INSERT ON {tables(("youthcare_links", "record_cases"))} TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE ON {where}.case_keys TO "{role}"',
        # youths' keyed hashes: re-hashed when the master key rotates, deleted at erasure
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {where}.youthcare_youth_ids TO "{role}"',
        f'GRANT USAGE ON SEQUENCE {where}.auth_failures_id_seq TO "{role}"',
    ]


def set_up(settings: Settings, role: str, password: str | None) -> list[str]:
    """As the owner: make every table and the trigger, make `role` if it does not exist (with
    `password`, if given) and grant it what the service needs. The statements it ran."""
    url = settings.database_url.get_secret_value()
    if url == MEMORY_URL or make_url(url).get_backend_name() != "postgresql":
        raise ValueError("a role of its own is for PostgreSQL; SQLite has no roles")
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    try:
        for view in projector.views:
            projector.run_view_once(view)  # makes the view's tables (and catches up while here)
        create_front(settings, projector)  # the sign-in and read log tables
    finally:
        projector.close()
        app.close()
    statements = grant_statements(role, settings.database_schema)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
            if exists is None:
                conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            if password:
                conn.execute(text(f'ALTER ROLE "{role}" PASSWORD {_literal(password)}'))
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()
    return statements


def _literal(value: str) -> str:
    """`value` as a SQL string literal (ALTER ROLE takes no bind parameters)."""
    return "'" + value.replace("'", "''") + "'"
