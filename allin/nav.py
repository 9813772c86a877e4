"""The main menu, built from permissions: a person sees only what they may open."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .access import Perm, can
from .enums import Role
from .urls import Links


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


# (label, endpoint, permission or None for everyone, endpoints that count as "here")
MENU = [
    (_l("Home"), "home.index", Perm.USE_ACCOUNT, ("home.index",)),
    (
        _l("Guide"),
        "guide.index",
        None,
        (
            "guide.index",
            "guide.start",
            "guide.search_page",
            "guide.print_guide",
            "guide.entry",
            "guide.manage",
            "guide.images",
            "guide.new",
            "guide.edit",
            "guide.entry_history",
            "guide.revision",
        ),
    ),
    (
        _l("People"),
        "admin.users",
        Perm.VIEW_PEOPLE,
        (
            "admin.users",
            "admin.user_detail",
            "admin.invite",
            "admin.invitation_list",
            "admin.invitation_detail",
        ),
    ),
    (
        _l("Cohorts"),
        "cohorts.index",
        Perm.VIEW_COHORTS,
        tuple(
            f"cohorts.{name}"
            for name in ("index", "detail", "new", "edit", "enrol", "withdraw", "import_upload")
        )
        + ("cohorts.import_preview", "cohorts.hand_out", "ambassadors.detail", "ambassadors.edit")
        + ("ambassadors.record_consent",),
    ),
    (
        _l("Concepts"),
        "concepts.board",
        Perm.REVIEW_CONCEPTS,
        tuple(
            f"concepts.{name}"
            for name in ("board", "detail", "new", "edit", "stage", "write", "reach", "upload")
        ),
    ),
    (_l("Report"), "reports.index", Perm.VIEW_REPORTS, ("reports.index",)),
    (
        _l("Municipalities"),
        "admin.municipalities",
        Perm.MANAGE_MUNICIPALITIES,
        ("admin.municipalities", "admin.new_municipality", "admin.edit_municipality"),
    ),
    (
        _l("My account"),
        "auth.account",
        Perm.USE_ACCOUNT,
        (
            "auth.account",
            "auth.change_password",
            "auth.two_factor_status",
            "auth.two_factor_confirm",
        ),
    ),
]


def viewer():
    """The signed-in user, or None; never fails (error pages render when the database does)."""
    try:
        return current_user._get_current_object() if current_user.is_authenticated else None
    except SQLAlchemyError:
        return None


def nav_items() -> list[NavItem]:
    user = viewer()
    return [
        NavItem(str(label), url_for(endpoint), request.endpoint in here)
        for label, endpoint, perm, here in MENU
        if perm is None or can(user, perm)
    ]


def signed_in() -> dict:
    """`me` for every template: the signed-in user (or None), read once per render here in
    Python. Templates get no rule to call (no can, Perm or viewer): a view passes what a page
    may show as plain flags (tests/test_templates.py)."""
    if not has_request_context():
        return {"me": None, "unread_notifications": 0}
    me = viewer()
    # Counted by the sign-in query itself (auth/login.py): the bell costs no query.
    unread = g.get("unread_notifications", 0) if me else 0
    return {"me": me, "unread_notifications": unread}


def init_app(app: Flask) -> None:
    from .auth.agents import describe

    app.context_processor(signed_in)
    app.jinja_env.globals.update(
        nav_items=nav_items,
        Role=Role,
        describe_agent=describe,
        links=Links,
    )
