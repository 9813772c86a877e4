"""Settings: defaults < instance/config.py < environment, then checks that refuse a bad start.

Environment: ``DATABASE_URL`` and ``SECRET_KEY`` as plain variables, any other setting as
``ALLIN_<NAME>`` (values that parse as JSON are taken as JSON: ``ALLIN_HTTPS=true``).
``ALLIN_INSTANCE_PATH`` moves the instance folder.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"
# Without ALLIN_BASE_URL on the embedded default: the address `flask run` answers on.
LOCAL_BASE_URL = "http://127.0.0.1:5000"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"]
# One folder name: starts with a letter or digit (so never "." or ".."), no separators.
PLAIN_FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class ConfigError(SystemExit):
    """The app must not start with these settings; the message is one line for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(f"allin: {message}")


class Defaults:
    """Code defaults. Every name here can be overridden in instance/config.py or as ALLIN_<NAME>."""

    # Relative SQLite paths live in the instance folder (Flask-SQLAlchemy does that).
    SQLALCHEMY_DATABASE_URI = "sqlite:///allin.sqlite"
    # No pre-ping (a round trip before every request): connections are recycled instead, and
    # one that died with the server fails one request, after which the pool is renewed.
    # Statement parameters (password hashes, names, e-mail addresses) stay out of error
    # messages and so out of the log; check() keeps this even if the options are replaced.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800, "hide_parameters": True}
    # Apply pending migrations at start-up on the embedded SQLite database.
    AUTO_MIGRATE = True

    # Bodies larger than this get the 413 page. Flask's MAX_FORM_MEMORY_SIZE alone does not cap
    # urlencoded forms, so MAX_CONTENT_LENGTH is the real limit.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500_000
    MAX_FORM_PARTS = 1000
    # Spreadsheet imports into a cohort: rows per file, and how long a preview waits.
    IMPORT_MAX_ROWS = 2000
    IMPORT_PREVIEW_MINUTES = 60
    # Uploaded pictures with more pixels than this are refused before they are decoded.
    IMAGE_MAX_PIXELS = 40_000_000
    # Room for the guide's pictures per owner (the network, or one municipality).
    GUIDE_IMAGES_MAX_MB = 200
    # Concept attachments (SECURITY 20-21): the largest file, the most pixels an image may
    # have (Pillow's decompression-bomb limit is set to it), and the folder in the instance
    # folder that holds them under random names.
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    # Photos are stored at most this many pixels wide or high (a phone's 12 MP photo becomes
    # 2560 x 1920): enough for any screen, and a fraction of the size.
    IMAGE_MAX_SIDE = 2560
    ATTACHMENTS_PER_CONCEPT = 50
    # Room for concept files (SECURITY 20): what one person may upload in all, and what one
    # municipality's concepts may hold together, in MB.
    ATTACHMENTS_USER_MAX_MB = 200
    ATTACHMENTS_MUNICIPALITY_MAX_MB = 5000
    # The folder in the instance folder that holds every uploaded file: a plain folder name
    # (letters, digits, ".", "_", "-"), never the instance folder itself nor a path elsewhere,
    # because `sweep-files` deletes what is in it.
    UPLOAD_FOLDER_NAME = "uploads"

    # The site's public address, e.g. https://allin.larvik.kommune.no: every link that leaves
    # the page (e-mails, links to copy) is built from it, never from the request's Host header.
    # Required unless the app runs in debug mode or on the embedded SQLite default.
    BASE_URL = None
    # Host names the app answers to; others get 400. Default: the host of BASE_URL (on the
    # embedded default without BASE_URL: the loopback names).
    TRUSTED_HOSTS = None
    # Level of the app's log (standard error): DEBUG, INFO, WARNING, ERROR.
    LOG_LEVEL = "INFO"

    # Set HTTPS = True (ALLIN_HTTPS=true) when the site is served over HTTPS.
    HTTPS = False
    SESSION_COOKIE_NAME = "allin_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = 3600 * 4

    LANGUAGES = ("nb", "en")
    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent / "translations")

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False

    # The guide: the longest entry text, and how long browsers and proxies may keep public pages.
    GUIDE_MAX_BODY_CHARS = 1_000_000
    GUIDE_CACHE_SECONDS = 300
    # Public guide pages each worker keeps for visitors until the guide changes (guide/kept.py):
    # at most this many, of at most this many bytes together; 0 renders every page anew.
    GUIDE_KEPT_PAGES = 500
    GUIDE_KEPT_BYTES = 8 * 1024 * 1024

    PER_PAGE = 25
    MAX_PER_PAGE = 100

    # The report (allin/reports): a count of young people below this is shown as "<5"; a
    # share needs at least this many counted. Never below 3.
    REPORT_MIN_CELL = 5

    # Signing in (SECURITY 2, 4, 7). Wrong passwords are counted per account from one
    # address (so a guesser elsewhere cannot lock the owner out), per account across every
    # address (a higher ceiling: at most 100 an hour) and per address across every account
    # (high enough for a school behind one address).
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS = 10
    LOGIN_ACCOUNT_WINDOW_MINUTES = 60
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 100
    LOGIN_MAX_FAILURES_PER_ADDRESS = 300
    SESSION_IDLE_MINUTES = 30
    # Ambassadors hold no one else's personal data; a longer idle time suits their phones.
    SESSION_IDLE_MINUTES_AMBASSADOR = 240
    SESSION_ABSOLUTE_HOURS = 12
    INVITATION_HOURS = 72
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_RESET_MINUTES = 30
    # Staff must turn on two-factor sign-in before anything else (SECURITY 3). None means:
    # on, except on the embedded SQLite database (the demo and a first look).
    REQUIRE_STAFF_2FA = None
    # Behind a reverse proxy, the number of proxies to trust for the client address.
    PROXY_FIX_X_FOR = 0
    # How long a browser keeps an opened reset or invitation link while the page is idle.
    LINK_CLAIM_IDLE_MINUTES = 10

    # Outgoing e-mail; without MAIL_SERVER e-mails are written to the log instead.
    # Password-reset e-mails are queued and sent after the response; with this off they wait
    # for `flask --app allin send-mail` (which also retries the ones that failed).
    MAIL_SEND_AFTER_RESPONSE = True
    MAIL_SERVER = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "allin <no-reply@localhost>"


def instance_path(test_config: dict | None) -> str:
    """The instance folder: the test config's, else ALLIN_INSTANCE_PATH, else ./instance."""
    if test_config and test_config.get("INSTANCE_PATH"):
        return str(test_config["INSTANCE_PATH"])
    return os.environ.get("ALLIN_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")


def load(app: Flask, test_config: dict | None) -> None:
    """Fill app.config in precedence order. A test config replaces the file and the environment."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        if os.environ.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config.from_prefixed_env(prefix="ALLIN")
    else:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    check(app)


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at psycopg 3, the only driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_embedded(app: Flask) -> bool:
    """True when the app runs on the embedded SQLite database rather than a server."""
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def check(app: Flask) -> None:
    """Refuse settings that would be unsafe; derive the ones that follow from others."""
    if is_embedded(app):
        ensure_instance_folder(Path(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        if not is_embedded(app):
            raise ConfigError(
                "SECRET_KEY must be set when the database is not the embedded SQLite one."
            )
        app.config["SECRET_KEY"] = shared_secret_key(Path(app.instance_path))
    if app.config["REQUIRE_STAFF_2FA"] is None:
        app.config["REQUIRE_STAFF_2FA"] = not is_embedded(app)
    if app.config.get("DEBUG") and not is_embedded(app):
        raise ConfigError("debug mode is refused on a production database.")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "hide_parameters": True,
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    }
    check_base_url(app)
    check_upload_folder_name(app)
    check_report_min_cell(app)
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"
        if app.config["SESSION_COOKIE_NAME"] == Defaults.SESSION_COOKIE_NAME:
            # The __Host- prefix: the browser only accepts it Secure, host-only, path /.
            app.config["SESSION_COOKIE_NAME"] = "__Host-" + Defaults.SESSION_COOKIE_NAME


def check_base_url(app: Flask) -> None:
    """Links that leave the page need the site's real address, not the request's Host.

    Without ALLIN_BASE_URL the app starts only in debug mode or on the embedded default; it then
    answers to loopback host names only (so the request's host is a local address links may be
    built from) and says so in the log.
    """
    config = app.config
    base = config.get("BASE_URL")
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"ALLIN_BASE_URL must be an http(s) address, not {base!r}.")
        config["BASE_URL"] = base.rstrip("/")
        if config.get("TRUSTED_HOSTS") is None:
            config["TRUSTED_HOSTS"] = [parts.hostname]
        return
    if not (config.get("DEBUG") or is_embedded(app)):
        raise ConfigError(
            "ALLIN_BASE_URL must be set (the site's public address, e.g. https://allin.example.no)."
        )
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = list(LOOPBACK_HOSTS)


def upload_folder_problem(name: object) -> str | None:
    """Why `name` cannot be the upload folder, or None: a plain name of one folder."""
    if not isinstance(name, str) or not PLAIN_FOLDER_NAME.fullmatch(name):
        return (
            "ALLIN_UPLOAD_FOLDER_NAME must be a plain folder name inside the instance folder "
            f"(letters, digits, '.', '_', '-'; like 'uploads'), not {name!r}."
        )
    return None


def check_report_min_cell(app: Flask) -> None:
    value = app.config["REPORT_MIN_CELL"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 3:
        raise ConfigError(
            f"ALLIN_REPORT_MIN_CELL must be a whole number of 3 or more, not {value!r}."
        )


def check_upload_folder_name(app: Flask) -> None:
    """The upload folder must be a folder of its own in the instance folder: `sweep-files`
    deletes files in it, and with '.' or '' it deleted the database and the secret key."""
    name = app.config["UPLOAD_FOLDER_NAME"]
    if isinstance(name, int) and not isinstance(name, bool):
        name = app.config["UPLOAD_FOLDER_NAME"] = str(name)  # ALLIN_…=2026 arrives as JSON
    problem = upload_folder_problem(name)
    if problem:
        raise ConfigError(problem)
    path = Path(app.instance_path) / name
    if path.exists() and not path.is_dir():
        raise ConfigError(f"ALLIN_UPLOAD_FOLDER_NAME names {path}, which is a file, not a folder.")


def announce(app: Flask) -> None:
    """Say at start-up what an operator should know about the settings (after logging is set)."""
    if not app.config.get("BASE_URL") and not app.testing:
        app.logger.warning(
            "ALLIN_BASE_URL is not set: answering to %s only; links point at this local "
            "address (%s outside a request). Set ALLIN_BASE_URL before others use this site.",
            ", ".join(app.config["TRUSTED_HOSTS"]),
            LOCAL_BASE_URL,
        )


def ensure_instance_folder(folder: Path) -> None:
    """Create the instance folder readable by this user only (it holds the database and key)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def shared_secret_key(folder: Path) -> str:
    """Read the instance's secret key, creating it once (atomically, mode 0600) if missing.

    Every worker and every restart reads the same file. The key is written to a private
    temporary file and hard-linked into place: the link either appears complete or not at all,
    and when two processes race, the loser's link fails and it reads the winner's key.
    """
    ensure_instance_folder(folder)
    target = folder / SECRET_KEY_FILE
    if not target.exists():
        tmp = folder / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, target)
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    return target.read_text().strip()
