"""Commands for operators: `flask --app allin create-admin`, `seed-guide`, `send-mail`,
`notify`, `sweep-files`, `backup`, `retention` (`seed-demo` is the demo package's,
allin/demo/cli.py)."""

from __future__ import annotations

from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from . import backup, outbox, retention, sweep
from .auth.passwords import password_problem
from .cohorts import imports
from .enums import Role
from .extensions import db
from .models import User
from .notifications import digest, warnings
from .notifications import services as notifications


@click.command("seed-guide")
@with_appcontext
def seed_guide() -> None:
    """Load the starter guide (only the entries that are missing; local edits stay)."""
    from .guide.seed import load_starter_guide

    added = load_starter_guide()
    db.session.commit()
    click.echo(f"Starter guide: {added} entries added.")


@click.command("create-admin")
@click.option("--name", prompt="Name")
@click.option("--email", prompt="E-mail")
@click.password_option("--password", prompt="Password")
@with_appcontext
def create_admin(name: str, email: str, password: str) -> None:
    """Create a network admin account."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from None
    problem = password_problem(password, personal=(name, email.split("@")[0]))
    if problem:
        raise click.BadParameter(str(problem), param_hint="--password")
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise click.ClickException(f"An account with the e-mail {email} already exists.")
    user = User(role=Role.NETWORK_ADMIN, name=name.strip(), email=email)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"{Role.NETWORK_ADMIN}\t-\t{email}")


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Send the queued e-mails, retrying the ones that failed (run it every few minutes)."""
    sent, failed, given_up = outbox.run_pending()
    click.echo(f"sent {sent}, failed {failed} (will retry), given up {given_up}")
    if failed:
        raise SystemExit(1)


@click.command("notify")
@with_appcontext
def notify_command() -> None:
    """Create the notifications that are due - reminders of tomorrow's sessions (Oslo), and
    this week's summary for cohort leads with early warnings or missing consents, and each new
    early warning for the cohort's leads (in the app) - and
    queue their e-mails for `send-mail` (run both every 10 minutes). Running it again, or on
    two hosts at once, makes each notification once."""
    sessions, made = notifications.remind_tomorrow()
    db.session.commit()
    click.echo(f"sessions tomorrow: {sessions}, new reminders: {made}")
    summaries = digest.make_due()
    db.session.commit()
    click.echo(f"new weekly summaries for cohort leads: {summaries}")
    warned = warnings.make_due()
    db.session.commit()
    click.echo(f"new early warnings for cohort leads: {warned}")
    check_ins = notifications.checkins_due()
    db.session.commit()
    click.echo(f"new notices of due check-ins: {check_ins}")


@click.command("sweep-files")
@click.option(
    "--grace-minutes",
    default=sweep.GRACE_SECONDS // 60,
    show_default=True,
    help="Leave files younger than this: an upload may still be on its way.",
)
@with_appcontext
def sweep_files_command(grace_minutes: int) -> None:
    """Delete uploaded files no record refers to, left by a crash mid-upload, and expired
    import previews (run it daily)."""
    try:
        removed = sweep.sweep(grace_minutes * 60)
    except sweep.SweepRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"files no record refers to, removed: {removed}")
    previews = imports.delete_expired_previews()
    db.session.commit()
    click.echo(f"expired import previews removed: {previews}")


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Back up the embedded SQLite instance into DEST, a new folder: a consistent copy of the
    database (the site may keep running), then the uploads, then the secret key."""
    try:
        made = backup.make_backup(dest)
    except backup.BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"database: {made.folder / backup.DATABASE_FILE}")
    click.echo(f"uploaded files: {made.files}")
    if not made.secret_key:
        click.echo("no secret_key file: keep SECRET_KEY with your settings", err=True)
    click.echo(f"restore: ALLIN_INSTANCE_PATH={made.folder} (folders 0700, files 0600)")


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="List who is due and change nothing.")
@with_appcontext
def retention_command(dry_run: bool) -> None:
    """Erase the ambassadors whose last cohort ended longer ago than their municipality keeps
    data (not those under a legal hold), and purge expired previews, invitations, links and
    sign-ins (run it daily)."""
    report = retention.run(dry_run=dry_run)
    for candidate in report.due:
        if candidate.held:
            state = "held, skipped"
        else:
            state = "would be erased" if dry_run else "erased"
        click.echo(
            f"ambassador {candidate.id}\t{candidate.municipality}\t"
            f"last cohort ended {candidate.last_ended.isoformat()}\t{state}"
        )
    for person in report.upcoming:
        click.echo(f"ambassador {person.id}\tto be erased on {person.erased_on.isoformat()}")
    held = len(report.held)
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run: {len(report.due) - held} due, {held} held; nothing changed")
        return
    db.session.commit()
    click.echo(f"erased {len(report.erased)}, skipped {held} under a legal hold")
    click.echo(
        f"to be erased within {retention.NOTICES[0]} days: {len(report.upcoming)} "
        f"(new notices to their coordinators: {report.told})"
    )
    for kind, count in report.purged.items():
        click.echo(f"expired {kind} removed: {count}")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_guide)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(notify_command)
    app.cli.add_command(sweep_files_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(retention_command)
