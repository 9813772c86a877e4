"""The demo network of synthetic people (SECURITY 30), on the top floor: it imports the
features, and no feature imports it. `create_app` wires it in with `init_app`: the setup page's
"load the demo network" button (POST /setup/demo) and `flask --app allin seed-demo`."""

from __future__ import annotations

from flask import Flask

from .cli import seed_demo
from .network import create_demo_network, demo_password
from .people import Account
from .setup import bp

__all__ = ["Account", "create_demo_network", "demo_password", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(seed_demo)
