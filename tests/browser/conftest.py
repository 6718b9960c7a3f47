"""Browser tests: a real Chromium, driven through Playwright, against pytest-django's live server.

Run with `make browser-test`. The browser is Debian's Chromium (see .ci/install-chromium); every
page a test visits is saved as a full-page screenshot in test-artifacts/screenshots/.
"""

import os
import re
import threading
import time
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from tests.replay import Replay

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Chromium's console line for a response with an error status, e.g. the 404 page itself.
STATUS_LINE = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
    the tests' own database queries as "called from an async context". Set only while browser
    tests run (this conftest is imported, but its tests deselected, by a plain `pytest`)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _wait_for_request_threads(timeout=5.0):
    """Let the live server's request threads finish before the server stops sharing its database
    connection with them (they close it as they end)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [t for t in threading.enumerate() if "process_request_thread" in t.name]
        if not busy:
            return
        time.sleep(0.05)


@pytest.fixture(scope="session")
def browser(live_server):
    """One Chromium for the session. It depends on the live server so that it closes (and drops
    its keep-alive connections) before the server stops."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: run `bash .ci/install-chromium` first.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    _wait_for_request_threads()


@pytest.fixture
def browser_data(transactional_db):
    """The project's India–Russia data, committed so that the live server's thread sees it.
    Loaded for real by the first test, replayed after (tests/replay.py)."""
    _browser_data()


@Replay
def _browser_data():
    call_command("loaddata", "india_russia", verbosity=0)
    call_command("convert_values", stdout=StringIO())  # what clean() stores, which loaddata skips


class Visitor:
    """A page that remembers what went wrong in it and saves a screenshot of each page it opens.

    `problems` collects console errors, uncaught page errors, failed requests (but not those
    the browser aborts itself) and responses with an error status; a test declares the error
    statuses it expects with `goto(..., status=404)`.
    """

    def __init__(self, page, base_url, name):
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.name = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
        self.problems = []
        self.expected = set()  # (path with query, status) pairs a test expects
        self.shots = 0
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _path(self, url):
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _is_expected(self, url, status):
        return (self._path(url), status) in self.expected

    def _on_console(self, message):
        if message.type != "error":
            return
        match = STATUS_LINE.search(message.text)
        url = message.location.get("url", "")
        if match and self._is_expected(url, int(match[1])):
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def _on_request_failed(self, request):
        # The browser aborts what a page still loads when the page is left or the context is
        # closed: an admin icon in flight at the end of a test is not a fault. A missing or
        # failing file still shows, as its error status in _on_response.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _on_response(self, response):
        if response.status >= 400 and not self._is_expected(response.url, response.status):
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def url(self, path):
        return self.base_url + path

    def goto(self, path, status=200, screenshot=True, label=""):
        if status != 200:
            self.expected.add((path, status))
        response = self.page.goto(self.url(path))
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"{path} answered {response.status}, not {status}"
        self.wait_for_charts()
        if screenshot:
            self.screenshot(label)
        return response

    def wait_for_charts(self):
        """charts.js draws at DOMContentLoaded; a chart it cannot draw is removed and logged."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "[...document.querySelectorAll('canvas.chart')]"
            ".every(c => c.dataset.chartReady === 'true')",
            timeout=5000,
        )

    def screenshot(self, label=""):
        """A full-page screenshot: test-artifacts/screenshots/<test-name>[-<label>].png (a
        test's later unlabelled screenshots are numbered)."""
        self.shots += 1
        if not label and self.shots > 1:
            label = str(self.shots)
        path = SCREENSHOTS / (f"{self.name}-{label}.png" if label else f"{self.name}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def visitor(browser, live_server, request):
    """A fresh browser context per test; fails the test if any page misbehaved."""
    context = browser.new_context(
        viewport=DESKTOP,
        accept_downloads=True,
        # charts.js turns Chart.js animations off under reduced motion: bars sit where they end
        # up, so screenshots show them drawn and clicks land on them.
        reduced_motion="reduce",
        locale="en-GB",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    visitor = Visitor(page, live_server.url, request.node.name)
    yield visitor
    context.close()
    assert not visitor.problems, "The browser reported problems:\n" + "\n".join(visitor.problems)
