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

    With `confirm` (confirmation_needed's keyword arguments) the confirm page answers until
    the person confirms. Then, if `form` (when given) validates, `call` runs: a DomainError
    rolls the request back and is flashed as an error; otherwise the request is committed and
    `success` is flashed: a message (category "success"), a list of (message, category)
    pairs, or a function of `call`'s result returning either. An invalid form flashes
    `invalid`, when given. A route whose form shows its errors at the fields does not use this.

        form = StatusForm()
        return act(
            lambda: services.move(thing, actor=current_user, to=Status(form.status.data)),
            form=form,
            success=lambda _none: _("It is now %(status)s.", status=thing.status.label),
            invalid=_("Choose one of the statuses on the page."),
            back=url_for("things.detail", thing_id=thing.id),
        )

    `call` takes no arguments (a lambda), so that it reads the form only once it is valid.
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
