"""The pages' words, dates and times, in the reader's language.

Every word on a page comes from a message catalogue under `api/pages/locales/<locale>/`:
gettext `.po` files, one per area of the pages, merged at start-up. Message ids are keys
(`nav.tasks`, `error.case_closed`), not English sentences, so a word missing from a catalogue
shows as its key and the catalogue test finds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

Day = date  # inside `Words`, `date` names its method
LOCALES = ("zh_CN", "en")  # the first is the default: the district reads Chinese first
DEFAULT_LOCALE = LOCALES[0]
CATALOGUES = Path(__file__).parent / "locales"
_LANGUAGE_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def load_messages(locale: str, folder: Path = CATALOGUES) -> dict[str, str]:
    """Every translated message of a locale, from all its `.po` files (one per area of the pages)."""
    messages: dict[str, str] = {}
    for path in sorted((folder / locale).glob("*.po")):
        with path.open("rb") as source:
            catalogue = read_po(source, locale=locale)
        for message in catalogue:
            if message.id and isinstance(message.id, str) and isinstance(message.string, str) and message.string:
                if message.id in messages:
                    raise ValueError(f"{path}: {message.id!r} is already in another catalogue of {locale}")
                messages[message.id] = message.string
    return messages


def negotiate(accept_language: str | None, available: Iterable[str] = LOCALES) -> str | None:
    """The best of `available` for an Accept-Language header, or None when none fits."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        match = _LANGUAGE_RANGE.match(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if quality > 0:
            ranked.append((-quality, index, match.group(1).replace("_", "-").lower()))
    for _, _, tag in sorted(ranked):
        for locale in available:
            wanted = locale.replace("_", "-").lower()
            if tag == wanted or tag.split("-")[0] == wanted.split("-")[0]:
                return locale
    return None


@dataclass
class Words:
    """One locale's messages and formats, as the templates use them."""

    locale: str
    messages: dict[str, str]
    zone: ZoneInfo
    fallback: dict[str, str] = field(default_factory=dict)

    @cached_property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)

    @property
    def lang(self) -> str:
        """The locale as an HTML `lang` value (`zh-CN`, `en`)."""
        return self.locale.replace("_", "-")

    def gettext(self, key: str, **values: Any) -> str:
        """The message for `key`, with `{name}` placeholders filled; the key itself if missing."""
        text = self.messages.get(key) or self.fallback.get(key) or key
        return text.format_map(_Blanks(values)) if values else text

    def has(self, key: str) -> bool:
        return key in self.messages

    def field(self, path: str) -> str:
        """A changed field's path (`youth.guardian_phone`, `interventions[2]`) in words where the
        catalogue names its parts, each part otherwise as stored."""
        said = []
        for part in path.split("."):
            name, bracket, index = part.partition("[")
            key = f"field.{name}"
            said.append(
                (self.gettext(key) if self.has(key) else name)
                + (f" {int(index.rstrip(']')) + 1}" if bracket and index.rstrip("]").isdigit() else "")
            )
        return " › ".join(said)

    def event(self, event_type: str) -> str:
        """An event's name (`case.PlanSubmitted`) in words, or as stored if the catalogue lacks it."""
        key = f"event.{event_type}"
        return self.gettext(key) if self.has(key) else event_type

    def date(self, value: date | datetime | str | None) -> str:
        """A date in the locale's medium form (`2026年3月5日`, `Mar 5, 2026`)."""
        if value in (None, ""):
            return ""
        parsed = _parsed(value)
        if isinstance(parsed, datetime):
            parsed = parsed.astimezone(self.zone).date() if parsed.tzinfo else parsed.date()
        return format_date(parsed, format="medium", locale=self.babel_locale)

    def datetime(self, value: datetime | str | None) -> str:
        """A moment in the district's time zone, in the locale's medium form."""
        if value in (None, ""):
            return ""
        parsed = _parsed(value)
        if not isinstance(parsed, datetime):
            return self.date(parsed)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return format_datetime(parsed, format="medium", tzinfo=self.zone, locale=self.babel_locale)

    def today(self) -> Day:
        """Today's date in the district (what a form's date field starts from)."""
        return datetime.now(self.zone).date()

    def number(self, value: float | int | None) -> str:
        return "" if value is None else format_decimal(value, locale=self.babel_locale)


class _Blanks(dict[str, Any]):
    """Placeholders a message names but the page did not give read as nothing, not as an error."""

    def __missing__(self, key: str) -> str:
        return ""


def _parsed(value: date | datetime | str) -> date | datetime:
    if isinstance(value, date):
        return value
    text = value.strip()
    if "T" in text or " " in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    return date.fromisoformat(text)


class Dictionary:
    """Both locales' words, loaded once at start-up."""

    def __init__(self, time_zone: str, folder: Path = CATALOGUES) -> None:
        self.zone = ZoneInfo(time_zone)
        self.messages = {locale: load_messages(locale, folder) for locale in LOCALES}
        english = self.messages["en"]
        self.words = {
            locale: Words(locale, self.messages[locale], self.zone, fallback=english if locale != "en" else {})
            for locale in LOCALES
        }

    def __getitem__(self, locale: str) -> Words:
        return self.words.get(locale, self.words[DEFAULT_LOCALE])
