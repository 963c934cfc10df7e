"""Which sections each role finds in the navigation: only those its role may use."""

from __future__ import annotations

NAVIGATION: dict[str, list[tuple[str, str]]] = {
    "station_officer": [("/ui/cases", "nav.cases"), ("/ui/pairs", "nav.pairs"), ("/ui/referrals", "nav.referrals")],
    "station_lead": [
        ("/ui/cases", "nav.cases"),
        ("/ui/pairs", "nav.pairs"),
        ("/ui/referrals", "nav.referrals"),
        ("/ui/audit/access-log", "nav.access_log"),
    ],
    "mentor": [("/ui/pairs", "nav.my_youths")],
    "department_officer": [("/ui/referrals", "nav.referrals_for_us")],
    "coordinator": [
        ("/ui/coordination", "nav.coordination"),
        ("/ui/report", "nav.report"),
        ("/ui/cases", "nav.cases"),
        ("/ui/referrals", "nav.referrals"),
    ],
    "auditor": [("/ui/cases", "nav.cases"), ("/ui/audit", "nav.audit")],
    "admin": [
        ("/ui/admin/users", "nav.users"),
        ("/ui/admin/stations", "nav.stations"),
        ("/ui/admin/departments", "nav.departments"),
        ("/ui/admin/volunteers", "nav.volunteers"),
        ("/ui/admin/erasure", "nav.erasure"),
    ],
}


def nav_links(role: str | None) -> list[tuple[str, str]]:
    return NAVIGATION.get(role or "", [])


# The page where a task of the work list is done, when it is not the record's own page.
TASK_PAGES = {
    "plan_to_approve": "/plan",
    "goal_review_due": "/plan",
    "closure_to_approve": "/closure",
    "transfer_to_answer": "/transfer",
    "session_due": "/session",
}


def page_href(api_href: str) -> str:
    """The page showing a record the API names by its path (`/cases/…` is shown at `/ui/cases/…`)."""
    return "/ui" + api_href if api_href.startswith("/") else "/"


def task_href(task: dict[str, object]) -> str:
    """Where a task of the work list is done: the plan to approve, the session to log, the referral to answer."""
    return page_href(str(task.get("href", ""))) + TASK_PAGES.get(str(task.get("kind")), "")
