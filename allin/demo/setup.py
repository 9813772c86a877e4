"""The setup page's other button: load the demo network instead of creating the first admin."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..access import public
from ..auth.selectors import needs_setup
from ..auth.services import claim_installation
from ..errors import attempt
from ..extensions import db
from .network import create_demo_network, demo_password
from .people import Account

bp = Blueprint("demo", __name__)


@bp.post("/setup/demo")
@public
def setup():
    """Load the demo network, and show its logins once; exists only while no account does."""
    if not needs_setup():
        abort(404)
    password = demo_password()
    ok, accounts = attempt(set_up_demo, errors=[], password=password)
    if not ok:
        abort(404)
    db.session.commit()
    return render_template("demo/setup.html", accounts=accounts, password=password)


def set_up_demo(*, password: str) -> list[Account]:
    """Take the setup slot and fill the empty database with the demo network."""
    claim_installation()
    return create_demo_network(password=password)
