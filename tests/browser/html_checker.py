"""The W3C HTML checker (the Nu Html Checker, npm's vnu-jar, run on Java) as a web service on
loopback, one per test process: `checked.check()` sends it each page as the server sent it.
Started once (a few seconds), it answers a page in tens of milliseconds; a page already found
valid, byte for byte, is not sent again."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
STARTUP_SECONDS = 90


class HtmlChecker:
    def __init__(self, java: str, jar: Path = VNU_JAR) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        self.valid: set[str] = set()
        self.process = subprocess.Popen(
            [
                java,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(jar),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=5).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(f"the HTML checker did not start at {self.url}") from None
                time.sleep(0.25)

    def errors(self, html: bytes) -> list[str]:
        """The checker's errors for a page, as "line N: message"; [] when it is valid."""
        digest = hashlib.sha256(html).hexdigest()
        if digest in self.valid:
            return []
        request = urllib.request.Request(
            self.url + "?out=json",
            data=html,
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            messages = json.load(answer)["messages"]
        found = [
            f"line {m.get('lastLine', '?')}: {m['message']}"
            for m in messages
            if m["type"] in ("error", "non-document-error")
        ]
        if not found:
            self.valid.add(digest)
        return found

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
