"""Signed anchors: written by the service on a schedule, checked before `verify --anchor` trusts them."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from api.cli import run_verify
from infrastructure.anchors import AnchorSigner, open_signed
from infrastructure.front import anchor_writer, create_front
from infrastructure.keys import master_key
from infrastructure.persistence import create_application
from infrastructure.projector import Projector
from infrastructure.settings import Settings
from infrastructure.view_store import ViewStore
from tests.integration.test_application import open_case, station


@pytest.fixture
def signed(tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'a.db'}"), anchor_dir=str(tmp_path / "anchors"))
    app = create_application(settings)
    projector = Projector(app, ViewStore(app, settings))
    open_case(app, station(app))
    for view in projector.views:
        projector.run_view_once(view)
    path = anchor_writer(settings, create_front(settings, projector)).write_once()
    assert path is not None
    yield {"settings": settings, "path": path, "data": json.loads(path.read_text())}
    projector.close()
    app.close()


def test_the_service_writes_a_signed_anchor_that_verify_accepts(signed: dict[str, Any]) -> None:
    out = io.StringIO()

    assert run_verify(signed["settings"], str(signed["path"]), out) == 0

    assert "anchor signature holds" in out.getvalue() and "matches" in out.getvalue()
    assert signed["data"]["public_key"] == AnchorSigner(master_key(signed["settings"])).public_key


@pytest.mark.parametrize("field", ["position", "log_link", "at"])
def test_a_changed_signed_anchor_is_refused(signed: dict[str, Any], field: str, tmp_path: Path) -> None:
    data = dict(signed["data"])
    data[field] = 1 if field == "position" else "0" * 64 if field == "log_link" else "2020-01-01T00:00:00+00:00"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    out = io.StringIO()

    assert run_verify(signed["settings"], str(changed), out) == 2

    assert "signature does not hold" in out.getvalue()


def test_an_anchor_signed_with_another_key_is_refused(signed: dict[str, Any]) -> None:
    other = AnchorSigner(bytes(range(32)))
    forged = other.sign(open_signed(signed["data"], None))

    with pytest.raises(ValueError, match="another key"):
        open_signed(forged, AnchorSigner(master_key(signed["settings"])).public_key)
