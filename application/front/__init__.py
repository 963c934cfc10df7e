"""The application's one front door: every route and command calls it once, with the acting user.

It asks the access policy whether this user may do this to this record, then reads or
writes through the event-sourced core and the read side, and logs every read.
"""

from __future__ import annotations

from application.front.accounts import AccountsFront


class Front(AccountsFront):
    """Records, views, audit and accounts, each decided by `application.access.policy`."""


__all__ = ["Front"]
