"""Configuration rules: precedence, the shared generated secret, refusals, cookie flags."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest

from allin import create_app
from allin.config import ConfigError, shared_secret_key


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment whose instance folder is a temporary one."""
    for name in list(os.environ):
        if name.startswith("ALLIN_") or name in ("DATABASE_URL", "SECRET_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ALLIN_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_embedded_default_generates_one_secret_shared_by_every_instance(env):
    first = create_app()
    second = create_app()
    key_file = env / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///allin.sqlite"
    assert (env / "allin.sqlite").exists()
    assert not first.testing


def test_racing_processes_agree_on_one_secret(tmp_path):
    with ProcessPoolExecutor(max_workers=4) as pool:
        keys = set(pool.map(shared_secret_key, [tmp_path] * 8))
    assert len(keys) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_refuses_to_start_on_postgres_without_secret(env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://allin@127.0.0.1:1/allin")
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app()
    assert not (env / "secret_key").exists()


def test_refusal_is_one_line_and_a_failing_exit(env):
    environment = {**os.environ, "DATABASE_URL": "postgresql://allin@127.0.0.1:1/allin"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "allin", "routes"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "allin: SECRET_KEY must be set when the database is not the embedded SQLite one."
    ]


def test_debug_is_refused_on_a_server_database(env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://allin@127.0.0.1:1/allin")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("ALLIN_DEBUG", "true")
    with pytest.raises(ConfigError, match="debug"):
        create_app()


def test_precedence_defaults_then_instance_file_then_environment(env, monkeypatch):
    env.mkdir(parents=True)
    (env / "config.py").write_text("PER_PAGE = 10\nMAX_PER_PAGE = 50\n")
    monkeypatch.setenv("ALLIN_MAX_PER_PAGE", "70")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app()
    assert app.config["PER_PAGE"] == 10  # instance file beats default
    assert app.config["MAX_PER_PAGE"] == 70  # environment beats instance file
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (env / "secret_key").exists()


def test_postgres_urls_use_psycopg3(env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://allin@127.0.0.1:1/allin")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("ALLIN_BASE_URL", "https://allin.example.no")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_cookie_flags(env, monkeypatch):
    app = create_app()
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert app.config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024
    monkeypatch.setenv("ALLIN_HTTPS", "true")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_templates_render_from_the_checkout(client):
    response = client.get("/setup")
    assert response.status_code == 200
    assert b'<main id="main"' in response.data


# ---- the site's address and its host names (review finding 1) -------------------------------


def test_a_server_database_needs_the_base_url(env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://allin@127.0.0.1:1/allin")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    with pytest.raises(ConfigError, match="ALLIN_BASE_URL must be set"):
        create_app()
    monkeypatch.setenv("ALLIN_BASE_URL", "https://allin.example.no/")
    app = create_app()
    assert app.config["BASE_URL"] == "https://allin.example.no"
    assert app.config["TRUSTED_HOSTS"] == ["allin.example.no"]


def test_embedded_default_falls_back_to_the_local_address_and_says_so(env, capfd):
    app = create_app()
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost", "::1"]
    assert "ALLIN_BASE_URL is not set" in capfd.readouterr().err
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


# ---- logging (review finding 11) ------------------------------------------------------------


def test_info_lines_reach_standard_error_outside_debug(env, capfd):
    from allin.mail import send_mail

    app = create_app()
    assert not app.debug
    with app.app_context():
        send_mail(to="kari@example.no", subject="Hei", body="Lenke: http://x/password/reset/abc")
    err = capfd.readouterr().err
    assert "INFO [allin] e-mail not sent (no MAIL_SERVER set)" in err


def test_log_level_comes_from_the_environment(env, monkeypatch, capfd):
    from allin.mail import send_mail

    monkeypatch.setenv("ALLIN_LOG_LEVEL", "WARNING")
    app = create_app()
    with app.app_context():
        send_mail(to="kari@example.no", subject="Hei", body="x")
    assert "e-mail not sent" not in capfd.readouterr().err
    assert logging.getLogger("allin").level == logging.WARNING
    monkeypatch.setenv("ALLIN_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError, match="ALLIN_LOG_LEVEL"):
        create_app()


# ---- file modes (review finding 12) ---------------------------------------------------------


def test_instance_folder_and_database_files_are_private(env, tmp_path):
    old = os.umask(0o022)
    try:
        app = create_app()
        with app.app_context():
            from allin.extensions import db

            with db.engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            db.engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(env.stat().st_mode) == 0o700
    files = [p for p in env.iterdir() if p.name.startswith("allin.sqlite")]
    assert {p.name for p in files} >= {"allin.sqlite"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_an_existing_database_file_is_tightened(env):
    env.mkdir(parents=True)
    database = env / "allin.sqlite"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    create_app()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


# ---- the upload folder is a plain folder in the instance folder (issue 19, point 14) --------


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "/tmp/uploads", "../uploads", "up\\loads"])
def test_an_upload_folder_name_that_is_not_a_plain_folder_is_refused(env, monkeypatch, name):
    monkeypatch.setenv("ALLIN_UPLOAD_FOLDER_NAME", name)
    with pytest.raises(ConfigError, match="ALLIN_UPLOAD_FOLDER_NAME must be a plain folder name"):
        create_app()


def test_an_upload_folder_name_naming_a_file_of_the_instance_is_refused(env, monkeypatch):
    monkeypatch.setenv("ALLIN_UPLOAD_FOLDER_NAME", "secret_key")
    with pytest.raises(ConfigError, match="ALLIN_UPLOAD_FOLDER_NAME"):
        create_app()


@pytest.mark.parametrize("name", ["uploads", "files-2026", "2026"])
def test_a_plain_upload_folder_name_is_accepted(env, monkeypatch, name):
    monkeypatch.setenv("ALLIN_UPLOAD_FOLDER_NAME", name)
    assert create_app().config["UPLOAD_FOLDER_NAME"] == name
