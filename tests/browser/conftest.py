"""Browser tests: Playwright driving Debian's Chromium against a live server.

The server is the real app on a fresh SQLite instance folder (its migrations run at start-up,
as they do for `flask --app allin run`), on a free loopback port. Every page a test visits is
checked with axe-core; a test that visits a page without checking it fails. Screenshots go to
$ALLIN_SCREENSHOT_DIR, or a temporary folder printed at the end of the run.

Never run `playwright install`: it downloads a browser, and we use /usr/bin/chromium.
Without Chromium or axe-core these tests skip locally; in CI (CI=true) that is an error.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from allin import create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("ALLIN_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _require(path: Path, what: str, how: str) -> None:
    if path.exists():
        return
    message = f"{what} not found at {path}; {how}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    _require(CHROMIUM, "Chromium", "install it with: apt-get install chromium")
    _require(AXE_JS, "axe-core", "install it with: npm ci")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url():
    """Replaces pytest-base-url's fixture (deprecated shape); contexts get the live URL."""
    return None


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture
def live_config() -> dict:
    """Override in a test module to change the live server's settings."""
    return {}


@pytest.fixture
def live_server(tmp_path, live_config):
    """The app on a new, empty instance folder: the first visit leads to /setup."""
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False, **live_config}
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        from allin.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    configured = os.environ.get("ALLIN_SCREENSHOT_DIR")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nscreenshots: {folder}")


@dataclass
class Checked:
    """Records the pages a test visits and the ones it ran axe on."""

    page: object
    screenshot_dir: Path
    prefix: str
    visited: list[str] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)

    def check(self, name: str) -> None:
        """Run axe on the current page (fail on serious/critical) and take a screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        bad = [
            f"{v['impact']} {v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        page.screenshot(path=str(self.screenshot_dir / f"{self.prefix}-{name}.png"), full_page=True)
        assert bad == [], f"axe on {page.url}:\n" + "\n".join(bad)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
        self.audited.add(_path(page.url))


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("#")[0]


@pytest.fixture(params=list(VIEWPORTS))
def checked(request, browser, live_server, screenshot_dir):
    """A fresh browser at phone or desktop size; parametrise indirectly with
    (viewport, locale) to choose the browser's language (default Norwegian)."""
    if isinstance(request.param, str):
        viewport, locale = request.param, "nb-NO"
    else:
        viewport, locale = request.param
    # bypass_csp: our CSP (rightly) refuses the injected axe-core script; the header itself
    # is asserted in tests/test_auth.py.
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS[viewport], locale=locale, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    name = request.node.name.split("[")[0].removeprefix("test_")
    prefix = f"{name}-{viewport}-{locale[:2]}"
    tracker = Checked(page=page, screenshot_dir=screenshot_dir, prefix=prefix)
    page.on(
        "framenavigated",
        lambda frame: frame == page.main_frame and tracker.visited.append(_path(frame.url)),
    )
    yield tracker
    context.close()
    unchecked = sorted(set(tracker.visited) - tracker.audited)
    assert unchecked == [], f"pages visited without an axe check: {unchecked}"
