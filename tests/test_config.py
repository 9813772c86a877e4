"""Configuration rules: precedence, the shared generated secret, refusals, cookie flags."""

from __future__ import annotations

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
