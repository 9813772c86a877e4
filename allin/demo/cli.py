"""`flask --app allin seed-demo`: the demo network for a first look or a benchmark."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..errors import DomainError
from ..extensions import db
from .network import create_demo_network, demo_password


@click.command("seed-demo")
@click.option("--password", help="Password for every demo account (default: a random one).")
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 500),
    help="Creates 2 x SCALE municipalities.",
)
@with_appcontext
def seed_demo(password: str | None, scale: int) -> None:
    """Fill an empty database with a demo network of synthetic people."""
    password = password or demo_password()
    try:
        accounts = create_demo_network(password=password, scale=scale)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for account in accounts:
        click.echo(f"{account.role}\t{account.municipality}\t{account.login}")
    click.echo(f"Password for every demo account: {password}", err=True)
