"""An error of the API, said in the reader's language: keyed by its `rule` and `field`."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from api.pages.i18n import Words
from application.errors import ConcurrentWrite, TooManyAttempts, Unauthenticated
from domain.common import DomainError, InvalidValue


@dataclass(frozen=True)
class Shown:
    """One error as a form shows it: the field it belongs to (if any) and the sentence."""

    field: str | None
    text: str


def _sentence(words: Words, key: str, english: str) -> str:
    return words.gettext(key) if words.has(key) else f"{words.gettext('error.generic')} ({english})"


def _labelled(words: Words, field: str | None, sentence: str) -> str:
    if not field:
        return sentence
    name = field.rsplit(".", 1)[-1]  # a nested field (`youth.full_name`) by its own label
    label = words.gettext(f"field.{name}") if words.has(f"field.{name}") else field
    return words.gettext("error.on_field", field=label, error=sentence)


def _form_field(location: tuple[int | str, ...]) -> str | None:
    """The form field a problem belongs to: nested models by dotted name (`youth.full_name`), an
    item of a list on the list itself (`goals`, not `goals.0`)."""
    names = []
    for part in location:
        if isinstance(part, int):
            break
        names.append(str(part))
    return ".".join(names) or None


def shown(words: Words, error: Exception) -> list[Shown]:
    """What a form says about `error`: one sentence per problem, each on its field where it has one."""
    if isinstance(error, ValidationError):
        found = []
        for problem in error.errors():
            field = _form_field(problem.get("loc", ()))
            kind = str(problem.get("type", "value_error"))
            found.append(Shown(field, _labelled(words, field, _sentence(words, f"error.{kind}", problem["msg"]))))
        return found
    if isinstance(error, InvalidValue):
        return [Shown(error.field, _labelled(words, error.field, _sentence(words, f"error.{error.rule}", str(error))))]
    if isinstance(error, DomainError):
        rule = getattr(error, "rule", "domain_rule")
        return [Shown(None, _sentence(words, f"error.{rule}", str(error)))]
    if isinstance(error, ConcurrentWrite):
        return [Shown(None, words.gettext("error.concurrent_write"))]
    if isinstance(error, TooManyAttempts):
        return [Shown(None, words.gettext("error.too_many_attempts"))]
    if isinstance(error, Unauthenticated):
        return [Shown(None, words.gettext("error.wrong_password_or_username"))]
    raise error
