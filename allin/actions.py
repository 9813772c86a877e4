"""The tail of a button's POST route: ask first, do it, commit, say how it went, go back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, redirect
from flask_wtf import FlaskForm

from .confirm import confirmation_needed
from .errors import attempt
from .extensions import db

T = TypeVar("T")
Said = str | list[tuple[str, str]]  # a "success" message, or (message, category) pairs


def act(
    call: Callable[[], T],
    *,
    success: Said | Callable[[T], Said],
    back: str,
    form: FlaskForm | None = None,
    invalid: str | None = None,
    confirm: dict[str, Any] | None = None,
    code: int = 302,
):
    """Run `call` for a button (no page of fields to show again) and redirect to `back`.

    With `confirm` (confirmation_needed's arguments) the confirm page answers until the
    person confirms. Then, if `form` (when given) validates, `call` runs; a DomainError rolls
    the request back and is flashed as an error, anything else is committed and `success`
    (or `success(result)`) is flashed. An invalid form flashes `invalid`, if given.

        return act(
            lambda: services.change_role(user, actor=current_user, role=Role(form.role.data)),
            form=form,
            success=_("The role is changed."),
            invalid=_("Choose one of the roles in the list."),
            back=url_for("admin.user_detail", user_id=user.id),
        )
    """
    if confirm is not None and (page := confirmation_needed(**confirm)):
        return page
    errors: list[str] = []
    if form is None or form.validate_on_submit():
        ok, result = attempt(call, errors=errors)
        if ok:
            db.session.commit()
            said = success(result) if callable(success) else success
            for message, category in [(said, "success")] if isinstance(said, str) else said:
                flash(message, category)
    elif invalid:
        errors.append(invalid)
    for error in errors:
        flash(error, "error")
    return redirect(back, code=code)
