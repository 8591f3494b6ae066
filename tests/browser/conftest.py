"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
live server, the way a village official uses the portal.

One browser for all of them (starting Chromium costs seconds), a fresh context per
test (its own cookies, viewport and downloads). Every test fails on a JavaScript error or
a Content-Security-Policy violation in the browser, and leaves a full-page screenshot
under tests/output/browser/ whether it passed or not (CI keeps that folder).

Without Chromium or the playwright package the tests skip, unless
FENGQIAO_BROWSER_TESTS=required (set by .ci/run), where a missing browser is a failure:
CI must never pass by quietly not running them.
"""

import os
import re
from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connections

from tests.browser.helpers import DESKTOP, OUTPUT

CHROMIUM = os.environ.get("FENGQIAO_CHROMIUM", "/usr/bin/chromium")
BROWSER_TESTS_REQUIRED = os.environ.get("FENGQIAO_BROWSER_TESTS", "") == "required"


def _unavailable(reason: str):
    if BROWSER_TESTS_REQUIRED:
        pytest.fail(f"{reason} (FENGQIAO_BROWSER_TESTS=required)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator:
    """One Chromium for all the browser tests, stopped when they are done: while
    Playwright runs, its event loop is marked as running in the test thread, which would
    change how every later test of the session reaches the database."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable(
            "the playwright package is not installed (pip install -r requirements-dev.txt)"
        )
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API marks its event loop as running in the test thread between
    # calls, so Django takes the test's own fixtures for async code and refuses their
    # database access. Nothing async touches the database here (the live server answers
    # from its own thread), so the guard is lifted while the browser runs.
    async_unsafe_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        # Debian's build, never a downloaded one: `playwright install` is not run anywhere.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    except Exception as error:
        playwright.stop()
        _restore(async_unsafe_before)
        _unavailable(f"Chromium at {CHROMIUM} would not start: {error}")
    yield chromium
    chromium.close()
    # The connections opened while Playwright ran (see below) are not the ones the test
    # database teardown closes; PostgreSQL would refuse to drop a database still in use.
    connections.close_all()
    playwright.stop()
    _restore(async_unsafe_before)


def _restore(async_unsafe: str | None) -> None:
    if async_unsafe is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = async_unsafe


@pytest.fixture(autouse=True)
def _serialized_rollback_under_playwright(browser):
    """Between its calls, Playwright's sync API leaves its event loop marked as running
    in the test thread, so Django keeps this thread's database connections per async
    context, not per thread: the test gets new connection objects that lack the
    snapshot of the data migrations' rows taken when the test database was created, and
    serialized_rollback would silently restore nothing. Hand the snapshot over; being
    autouse, this runs before the database fixtures restore from it."""
    thread_connections = connections._connections._storage
    for alias in connections:
        created_with = getattr(thread_connections, alias, None)
        snapshot = getattr(created_with, "_test_serialized_contents", None)
        current = connections[alias]
        if snapshot is not None and not hasattr(current, "_test_serialized_contents"):
            current._test_serialized_contents = snapshot
    # A transactional test run just before may have left the tables flushed, counting on
    # the next test's restore, which ran before Playwright switched connections: restore
    # here if the data migrations' rows are missing. And the process-wide content-type
    # cache (the audit log uses it on every save) may hold ids from before the flush.
    from cases.models import CaseSource

    for alias in connections:
        snapshot = getattr(connections[alias], "_test_serialized_contents", None)
        if snapshot and not CaseSource.objects.using(alias).exists():
            connections[alias].creation.deserialize_db_from_string(snapshot)
    ContentType.objects.clear_cache()


class BrowserProblems:
    """What the browser complained about: uncaught exceptions, console errors (Chromium
    reports a blocked inline script or style there as 'Refused to … Content Security
    Policy'), and securitypolicyviolation events caught by an init script."""

    def __init__(self):
        self.entries: list[str] = []
        self._allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """A console error the test provoked on purpose (e.g. the 404 page's status)."""
        self._allowed.append(re.compile(pattern))

    def add(self, text: str) -> None:
        self.entries.append(text)

    def unexpected(self) -> list[str]:
        return [e for e in self.entries if not any(p.search(e) for p in self._allowed)]


# Runs in every page before its own scripts; init scripts are not subject to the page's
# CSP, so this sees violations even of a policy that would block any script of ours.
REPORT_CSP_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__reportCspViolation(
    `CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def _console_error(message, problems: BrowserProblems) -> None:
    if message.type != "error":
        return
    # The portal has no favicon; the browser's own request for one is not the page's doing.
    if message.location.get("url", "").endswith("/favicon.ico"):
        return
    problems.add(f"console error: {message.text} ({message.location.get('url', '')})")


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def new_page(browser, live_server, browser_problems, request):
    """Open a page in a fresh context (``new_page(**PHONE)``); every page is watched for
    errors and photographed at the end of the test: the first under the test's name, any
    later one (a second person in the same journey) with ``-2``, ``-3``…"""
    contexts = []

    def open_page(**options):
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            **{**DESKTOP, **options},
        )
        context.set_default_timeout(10_000)
        context.expose_function("__reportCspViolation", browser_problems.add)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page.on("pageerror", lambda error: browser_problems.add(f"JS error: {error}"))
        page.on("console", lambda message: _console_error(message, browser_problems))
        contexts.append((context, page))
        return page

    yield open_page

    OUTPUT.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for number, (context, page) in enumerate(contexts, start=1):
        suffix = "" if number == 1 else f"-{number}"
        try:
            if not page.is_closed():
                page.screenshot(path=OUTPUT / f"{name}{suffix}.png", full_page=True)
        finally:
            context.close()
    problems = browser_problems.unexpected()
    if problems:
        pytest.fail("the browser reported:\n" + "\n".join(problems), pytrace=False)
