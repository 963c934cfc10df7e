"""The application's one front door: every route and command calls it once, with the acting user.

It asks the access policy whether this user may do this to this record, then reads or
writes through the event-sourced core and the read side, and logs every read.
"""

from __future__ import annotations

import functools
import inspect
import threading
import typing
from collections.abc import Callable
from typing import Any

from application.base import Written
from application.front.accounts import AccountsFront
from application.observer import outcome_of

_inside = threading.local()  # a command called by another command is counted once, as the outer one


def _counted(name: str, method: Callable[..., Written]) -> Callable[..., Written]:
    @functools.wraps(method)
    def command(self: AccountsFront, *args: Any, **kwargs: Any) -> Written:
        if getattr(_inside, "command", False):
            return method(self, *args, **kwargs)
        _inside.command = True
        error: BaseException | None = None
        try:
            return method(self, *args, **kwargs)
        except BaseException as raised:
            error = raised
            raise
        finally:
            _inside.command = False
            self.core.observer.command(name, outcome_of(error))

    return command


def counting_commands(cls: type[AccountsFront]) -> type[AccountsFront]:
    """Every public method answering `Written` is a command: each tells the observer how it ended."""
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_") and typing.get_type_hints(member).get("return") is Written:
            setattr(cls, name, _counted(name, member))
    return cls


@counting_commands
class Front(AccountsFront):
    """Records, views, audit and accounts, each decided by `application.access.policy`."""


__all__ = ["Front"]
