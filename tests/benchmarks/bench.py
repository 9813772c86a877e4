"""Requests per second of allin's pages against a bare Flask app, at two data sizes.

    python -m tests.benchmarks.bench                      # SQLite, --scale 1 and 10
    python -m tests.benchmarks.bench --database postgresql+psycopg://postgres@127.0.0.1/allin_bench
    python -m tests.benchmarks.bench --database postgresql+psycopg://… --versus-sqlite

Each scale gets a new instance seeded with `flask --app allin seed-demo --scale N` and N x 200
generated guide entries (tests/benchmarks/guide_entries.py), served by gunicorn (2 sync
workers) on loopback and loaded with wrk. Both scales are served at once and each page is
measured at 1x, 10x, 10x, 1x (half the time each, averaged), so the 10x/1x ratio does not
drift with the machine; on PostgreSQL the larger scale goes into a sibling database
("<name>_10x"). With --versus-sqlite, scale 1 is served on SQLite and on PostgreSQL at once
instead, measured SQLite, PostgreSQL, PostgreSQL, SQLite, and the last column is SQLite's
req/s over PostgreSQL's (the engine target: within 1.5). The bare app is served the same way
in the same run, measured first and last; the ratios use the mean. "CPU ms" is the workers'
CPU time per request (from /proc). Each page is first fetched once and must answer 200 by
itself - wrk counts a redirect (to sign-in, say) as a success. The instances get a clean
environment: no ALLIN_* setting of the shell that started the benchmark reaches them. Every
page is rendered in full as its first reader gets it (the guide's kept pages off); --kept
measures the public guide as later visitors get it.
Needs wrk (`apt-get install wrk`). Not part of `pytest`: speed is measured here, never in a
unit test.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

from . import guide_entries
from .pages import PAGES

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "benchmark password 2026"
# wrk and the sign-in send the same browser name: Flask-Login's session protection would
# otherwise see a cookie move to another browser and mark the session on every request.
USER_AGENT = "allin-benchmark"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served(str):
    """A served app's base URL, which also knows the gunicorn master's pid."""

    pid: int


@contextmanager
def gunicorn(app: str, env: dict, workers: int = 2, log=None):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env=env,
        stderr=log,
    )
    url = Served(f"http://127.0.0.1:{port}")
    url.pid = process.pid
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz" if app == "wsgi:app" else url, timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master's workers so far (from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def answers_itself(url: str, cookie: str | None) -> None:
    """The page answers 200 with itself: not a redirect (to sign-in or two-factor set-up),
    which wrk would count as a success, and not an error."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(urllib.request.Request(url, headers=headers), timeout=30)
    except urllib.error.HTTPError as error:
        where = error.headers.get("Location", "")
        raise SystemExit(f"{url}: answered {error.code} {where}") from None
    if response.status != 200:
        raise SystemExit(f"{url}: answered {response.status}")


def wrk(url: str, cookie: str | None, seconds: int, server: int | None = None) -> dict:
    """Requests per second, p50 and p99 of `url`; with the gunicorn master's pid `server`,
    also the workers' CPU milliseconds per request."""
    before = cpu_seconds(server) if server else 0.0
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", "--latency", "-H", f"User-Agent: {USER_AGENT}"]
    command.append(url)
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(server) - before if server else 0.0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} failed responses\n{out}")

    def pct(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {"rps": rps, "p50": pct(50), "p99": pct(99), "cpu": 1000 * cpu / max(requests, 1)}


def sign_in(base: str, login: str) -> str:
    """A signed-in cookie for `login`, through the real form (CSRF token and all)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"login": login, "password": PASSWORD, "csrf_token": token})
    opener.open(base + "/login", data=data.encode())
    return "; ".join(f"{c.name}={c.value}" for c in jar)


# What the benchmark takes from the environment it is started in: where programs and the
# virtualenv are, and the locale. Nothing else: an ALLIN_* setting or DATABASE_URL there
# (two-factor sign-in on, say) must not change what is measured.
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH", "TMPDIR")


def clean_environment() -> dict:
    return {key: os.environ[key] for key in PASSED_ON if key in os.environ}


def prepare(scale: int, database: str | None, kept: bool = False) -> tuple[dict, dict[str, str]]:
    """A seeded instance for `scale`; returns its environment and one login per role. Every
    page is rendered in full, as its first reader gets it, unless `kept`: then the public
    guide keeps its pages for visitors."""
    instance = tempfile.mkdtemp(prefix=f"allin-bench-{scale}-")
    env = {
        **clean_environment(),
        "ALLIN_GUIDE_KEPT_PAGES": "500" if kept else "0",
        "ALLIN_INSTANCE_PATH": instance,
        "SECRET_KEY": "benchmark",
        "ALLIN_REQUIRE_STAFF_2FA": "false",
        "ALLIN_LOG_LEVEL": "WARNING",
    }
    if database:  # a server database wants the site's address; wrk calls it on loopback
        env["DATABASE_URL"] = database
        env["ALLIN_BASE_URL"] = "http://127.0.0.1"
        reset_postgres(database)
    flask = [sys.executable, "-m", "flask", "--app", "allin"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    seeded = subprocess.run(
        [*flask, "seed-demo", "--scale", str(scale), "--password", PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"seed-demo --scale {scale}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    entries = scale * guide_entries.PER_SCALE
    generate = [sys.executable, "-m", "tests.benchmarks.guide_entries", str(entries)]
    subprocess.run(generate, cwd=ROOT, env=env, check=True, capture_output=True)
    if database:
        analyze(database)
    logins: dict[str, str] = {}
    for line in seeded.stdout.splitlines():
        role, _municipality, login = line.split("\t")
        logins.setdefault(role, login)
    return env, logins


def analyze(url: str) -> None:
    """What autovacuum does on a running server within a minute or so of such a load: the
    statistics of the tables just filled (without them the planner takes every table for
    empty, and what is measured depends on whether autovacuum came by during the run), and a
    vacuum, which marks the new pages all-visible (since PostgreSQL 13, inserts alone start
    one). Without the vacuum an index-only scan visits every row it finds in the table as
    well, and the planner, counting on that, read all 54,000 marks of the network for one
    municipality's report rather than its sessions' marks from the covering index."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def sibling_database(url: str, scale: int) -> str:
    """A second database on the same server for the larger scale (made when missing), so
    that both scales are served at once."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{make_url(url).database}_{scale}x"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if found.first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def measure(instances, seconds: int, only: str = "", kept: bool = False) -> dict:
    """Every instance (label, scale, database URL or None for SQLite) is served at once and
    each page is measured on them in order and back again (half the time each) and averaged,
    so a ratio between two instances is not skewed by the machine drifting between them; the
    bare app is measured first and last, and the ratios use the mean."""
    prepared = [prepare(scale, database, kept) for _label, scale, database in instances]
    labels = [label for label, _scale, _database in instances]
    results: dict = {label: {} for label in labels}
    with ExitStack() as stack:
        bare_url = stack.enter_context(gunicorn("tests.benchmarks.bare:app", prepared[0][0]))
        served = []
        for label, (env, logins) in zip(labels, prepared, strict=True):
            url = stack.enter_context(gunicorn("wsgi:app", env))
            cookies = {role: sign_in(url, login) for role, login in logins.items()}
            served.append((label, url, cookies))
        bare = [wrk(bare_url, None, seconds, bare_url.pid)]
        for page in PAGES:
            if only not in page.name:
                continue
            runs: dict = {label: [] for label in labels}
            for _label, url, cookies in served:  # the page itself, then a warm-up
                answers_itself(url + page.path, cookies[page.role] if page.role else None)
                wrk(url + page.path, cookies[page.role] if page.role else None, 1)
            for label, url, cookies in [*served, *reversed(served)]:  # there and back
                cookie = cookies[page.role] if page.role else None
                runs[label].append(wrk(url + page.path, cookie, max(1, seconds // 2), url.pid))
            for label, measured in runs.items():
                results[label][page.name] = {
                    key: sum(run[key] for run in measured) / len(measured) for key in measured[0]
                }
        bare.append(wrk(bare_url, None, seconds, bare_url.pid))
    results["bare"] = bare
    return results


def instances_for(args) -> list[tuple[str, int, str | None]]:
    """Two scales on one engine, or (--versus-sqlite) scale 1 on SQLite and on PostgreSQL.
    On PostgreSQL a second instance goes into a sibling database ("<name>_10x")."""
    if args.versus_sqlite:
        return [("SQLite", args.scales[0], None), ("PostgreSQL", args.scales[0], args.database)]
    small, large = args.scales
    second = sibling_database(args.database, large) if args.database else None
    return [(f"{small}x", small, args.database), (f"{large}x", large, second)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (wiped!); default: SQLite")
    parser.add_argument("--scales", type=int, nargs=2, default=[1, 10])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--pages", default="", help="only the pages whose name contains this")
    parser.add_argument(
        "--kept",
        action="store_true",
        help="let the public guide keep its pages for visitors (default: every page cold)",
    )
    parser.add_argument(
        "--versus-sqlite",
        action="store_true",
        help="with --database: the first scale on SQLite and on PostgreSQL, side by side",
    )
    args = parser.parse_args()
    if args.versus_sqlite and not args.database:
        parser.error("--versus-sqlite compares with the PostgreSQL of --database")
    instances = instances_for(args)
    results = measure(instances, args.seconds, args.pages, args.kept)
    first, second = (results[label] for label, _scale, _database in instances)
    bare = sum(r["rps"] for r in results["bare"]) / 2
    if args.versus_sqlite:
        heading, ratio = f"SQLite and PostgreSQL, --scale {args.scales[0]}", "SQL÷PG"
    else:
        heading, ratio = "PostgreSQL" if args.database else "SQLite", "10x/1x"
    kept = "the guide's pages kept for visitors" if args.kept else "every page rendered in full"
    print(f"\n{heading}, gunicorn 2 sync workers, wrk -t1 -c4 -d{args.seconds}s, {kept}")
    header = (
        f"{'page':28} {'on':>10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>7}"
        f" {'÷ bare':>7}"
    )
    print(header + f" {ratio:>7}")
    labels = ("bare endpoint, first", "bare endpoint, last")
    for label, r in zip(labels, results["bare"], strict=True):
        print(
            f"{label:28} {'':>10} {r['rps']:>8.0f} {r['p50']:>7.1f} {r['p99']:>7.1f}"
            f" {r['cpu']:>7.2f}"
        )
    for name in first:
        # 10x over 1x; --versus-sqlite: SQLite over PostgreSQL (1.5 = PostgreSQL 1.5x slower)
        growth = second[name]["rps"] / first[name]["rps"]
        last = f" {(1 / growth if args.versus_sqlite else growth):>7.2f}"
        for (label, _scale, _db), r in zip(instances, (first[name], second[name]), strict=True):
            print(
                f"{name:28} {label:>10} {r['rps']:>8.0f} {r['p50']:>7.1f} {r['p99']:>7.1f}"
                f" {r['cpu']:>7.2f} {r['rps'] / bare:>7.3f}" + (last if r is second[name] else "")
            )


if __name__ == "__main__":
    main()
