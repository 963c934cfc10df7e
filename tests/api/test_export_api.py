"""Case files exported over HTTP, checked offline, and refused when altered."""

from __future__ import annotations

import hashlib
import json

from fastapi.testclient import TestClient

from application.views.export import canonical, verify_export
from tests.api.conftest import create_case, create_pair, create_referral, ok


def test_an_exported_case_file_verifies_and_holds_the_case_its_pairs_and_referrals(client: TestClient) -> None:
    case = create_case(client)
    pair = create_pair(client, case_id=case["id"])
    referral = create_referral(client, case_id=case["id"])
    ok(client.post(f"/referrals/{referral['id']}/acceptance"))

    answer = client.get(f"/cases/{case['id']}/export")

    assert answer.status_code == 200
    assert verify_export(answer.content) == []
    content = json.loads(answer.content)["content"]
    assert [(r["record_type"], r["record_id"], len(r["events"])) for r in content["records"]] == [
        ("case", case["id"], 2),  # opened, and the consent to share
        ("pair", pair["id"], 1),
        ("referral", referral["id"], 2),
    ]
    assert content["anchor"]["position"] >= max(e["position"] for r in content["records"] for e in r["events"])


def test_a_case_file_altered_in_any_byte_fails(client: TestClient) -> None:
    case = create_case(client)
    create_pair(client, case_id=case["id"])
    data = client.get(f"/cases/{case['id']}/export").content

    step = max(1, len(data) // 400)  # about 400 places spread over the file, first and last byte included
    for index in sorted({*range(0, len(data), step), len(data) - 1}):
        for changed in (data[index] ^ 0x01, data[index] ^ 0x20):
            altered = data[:index] + bytes([changed]) + data[index + 1 :]
            assert verify_export(altered) != [], f"byte {index} changed from {data[index]} to {changed} went unnoticed"
    assert verify_export(data + b" ") != [] and verify_export(data[:-1]) != []


def test_a_case_file_whose_event_was_changed_and_digest_redone_still_fails(client: TestClient) -> None:
    case = create_case(client)
    data = json.loads(client.get(f"/cases/{case['id']}/export").content)
    event = data["content"]["records"][0]["events"][0]
    event["state"] = event["state"][:-4] + "AAAA"  # someone edits the stored bytes ...
    data["digest"] = hashlib.sha256(canonical(data["content"])).hexdigest()  # ... and recomputes the digest

    problems = verify_export(canonical(data))

    assert any("do not give its record link" in problem for problem in problems)
