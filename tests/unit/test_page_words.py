"""Every word the pages use is in both catalogues, and the language and date rules hold."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from api.pages.i18n import CATALOGUES, LOCALES, Dictionary, load_messages, negotiate

PAGES = Path(__file__).resolve().parents[2] / "api" / "pages"
_RULE = re.compile(r'rule(?:: str)?\s*=\s*"([a-z_]+)"')
_KEY = re.compile(r"""_\(\s*["']([a-z0-9_.]+)["']""")


def _keys_used() -> set[str]:
    found: set[str] = set()
    for path in [*PAGES.rglob("*.html"), *PAGES.rglob("*.py")]:
        found |= {key for key in _KEY.findall(path.read_text()) if "." in key}
    return found


def test_every_key_the_pages_name_is_translated_in_both_languages() -> None:
    used = _keys_used()
    assert len(used) > 20
    for locale in LOCALES:
        messages = set(load_messages(locale))
        missing = sorted(key for key in used if not key.endswith(".") and key not in messages)
        assert not missing, f"{locale} lacks {missing}"
        # a key built on the page (`"role." ~ role`): the catalogue has some of that family
        families = sorted(key for key in used if key.endswith(".") and not any(m.startswith(key) for m in messages))
        assert not families, f"{locale} has nothing for {families}"


def test_both_catalogues_hold_the_same_keys() -> None:
    chinese, english = load_messages("zh_CN"), load_messages("en")
    assert set(chinese) == set(english)
    assert all(text.strip() for text in [*chinese.values(), *english.values()])


def test_every_rule_of_the_domain_and_application_has_a_sentence() -> None:
    root = PAGES.parents[1]
    rules = set()
    for folder in ("domain", "application", "infrastructure", "api"):
        for path in (root / folder).rglob("*.py"):
            rules |= set(_RULE.findall(path.read_text()))
    assert "case_closed" in rules
    chinese = load_messages("zh_CN")
    assert not sorted(f"error.{rule}" for rule in rules if f"error.{rule}" not in chinese)


def test_accept_language_picks_the_best_available_locale() -> None:
    assert negotiate("en-GB,en;q=0.9,zh;q=0.8") == "en"
    assert negotiate("fr-FR, zh-TW;q=0.5, en;q=0.3") == "zh_CN"
    assert negotiate("de, fr;q=0.5") is None
    assert negotiate("en;q=0, zh-CN;q=0.1") == "zh_CN"
    assert negotiate("garbage;;;q=x, en") == "en"
    assert negotiate(None) is None


def test_times_are_shown_in_the_districts_zone_in_each_language() -> None:
    words = Dictionary("Asia/Shanghai")
    moment = datetime(2026, 3, 5, 17, 30, tzinfo=timezone.utc)  # already the 6th in Shanghai
    assert words["zh_CN"].date(moment) == "2026年3月6日"
    assert words["en"].date(moment) == "Mar 6, 2026"
    assert "01:30" in words["zh_CN"].datetime(moment)


def test_a_message_missing_a_value_reads_blank_rather_than_failing(tmp_path: Path) -> None:
    words = Dictionary("UTC", folder=CATALOGUES)["en"]
    assert words.gettext("tasks.since") == "Waiting since {when}"
    assert words.gettext("tasks.since", other=1) == "Waiting since "


def test_every_event_of_every_record_has_a_name_in_both_languages() -> None:
    from eventsourcing.domain import DomainEvent

    from application.history import RECORD_TYPES

    for locale in LOCALES:
        messages = load_messages(locale)
        for record, record_type in RECORD_TYPES.items():
            for name, member in vars(record).items():
                if isinstance(member, type) and issubclass(member, DomainEvent) and name not in ("Event", "Snapshot"):
                    assert f"event.{record_type}.{name}" in messages, (locale, record_type, name)
