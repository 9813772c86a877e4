"""Roll-call taps per second on SQLite: gunicorn with 4 sync workers, wrk posting taps.

    python -m tests.benchmarks.roll_call_posts [--seconds 10] [--database postgresql+psycopg://…]

A youth worker's taps on the roll call of session 13 (the first demo municipality's kick-off,
seed-demo --scale 1), as the page's JavaScript sends them: one POST per tap, JSON back, the
same signed-in cookie and form token, cycling through every row and the four values. Prints
taps per second, p50/p99 and how many failed; any "database is locked" in the server's log
fails the run. Issue 10's target: 200 taps per second, none locked.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from .bench import USER_AGENT, gunicorn, prepare, sign_in

SESSION = 13
LUA = """
local paths = {%(paths)s}
local values = {"present", "late", "excused", "absent"}
local n = 0
request = function()
  n = n + 1
  local body = "value=" .. values[(n %% 4) + 1] .. "&csrf_token=%(token)s"
  return wrk.format("POST", paths[(n %% #paths) + 1], {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = "%(cookie)s",
    ["User-Agent"] = "%(agent)s",
  }, body)
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (wiped!); default: SQLite")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    env, logins = prepare(1, args.database)
    folder = Path(tempfile.mkdtemp(prefix="allin-taps-"))
    log_path = folder / "server.log"
    with open(log_path, "w") as log, gunicorn("wsgi:app", env, args.workers, log) as url:
        cookie = sign_in(url, logins["youth_worker"])
        request = urllib.request.Request(
            f"{url}/sessions/{SESSION}/roll-call",
            headers={"Cookie": cookie, "User-Agent": USER_AGENT},
        )
        page = urllib.request.urlopen(request).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        paths = sorted(set(re.findall(rf'action="(/sessions/{SESSION}/roll-call/\d+)"', page)))
        script = folder / "taps.lua"
        script.write_text(
            LUA
            % {
                "paths": ", ".join(f'"{p}"' for p in paths),
                "token": token,
                "cookie": cookie,
                "agent": USER_AGENT,
            }
        )
        command = ["wrk", "-t2", "-c8", f"-d{args.seconds}s", "--latency", "-s", str(script)]
        out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    taps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = dict(re.findall(r"\s(50|99)%\s+([\d.]+\w+)", out))
    locked = log_path.read_text().count("database is locked")
    engine = "PostgreSQL" if args.database else "SQLite"
    print(f"\n{engine}, gunicorn {args.workers} sync workers, wrk -t2 -c8 -d{args.seconds}s")
    print(f"roll-call taps over {len(paths)} rows: {taps:.0f}/s, p50 {latency.get('50')},")
    print(f"p99 {latency.get('99')}, failed {failed.group(1) if failed else 0}, locked {locked}")
    if failed or locked:
        raise SystemExit(f"failed taps or locked database; server log: {log_path}")


if __name__ == "__main__":
    main()
