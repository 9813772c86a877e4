"""A second step before a dangerous action: nothing changes until the person confirms.

Dangerous POST routes (revoke, deactivate, end sessions, and every later delete or withdraw)
call ``confirmation_needed(...)`` after their access checks (so do irreversible one-tap moves:
graduating someone, completing a cohort). Without ``confirmed=yes`` in the
form it returns a page that names the consequence, with the real button and a way back; the
route returns that page and writes nothing. The button on that page posts again with
``confirmed=yes`` and the route goes on. No extra routes, and it works without JavaScript.
"""

from __future__ import annotations

from flask import render_template, request


def confirmation_needed(
    *, title: str, consequence: str, button: str, cancel_url: str, keep: tuple[str, ...] = ()
) -> tuple[str, int] | None:
    """The confirm page (status 200) while the form lacks confirmed=yes, else None.

    `keep` names the posted fields the action needs (a status, the status seen, where to go
    back): the confirm page posts them again as they came."""
    if request.form.get("confirmed") == "yes":
        return None
    page = render_template(
        "_confirm.html",
        title=title,
        consequence=consequence,
        button=button,
        cancel_url=cancel_url,
        action=request.path,
        kept={name: request.form[name] for name in keep if name in request.form},
    )
    return page, 200
