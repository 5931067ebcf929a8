"""End-to-end tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Run them with ``pytest tests/e2e`` (or deselect them with ``-m "not e2e"``). They never download a
browser: they use the system Chromium at /usr/bin/chromium and skip when it is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API drives the browser from an asyncio event loop that it keeps in this very
# thread (inside a greenlet). While that loop exists, Django's ``async_unsafe`` guard sees "a running
# event loop" and raises SynchronousOnlyOperation for every ORM call in the test thread (seeding the
# demo data, the test database flush of ``transactional_db``, assertions on models). The tests never
# call the ORM from a coroutine, so the guard is a false alarm here. It has to be set at import time:
# the browser is session-scoped, so the loop also outlives the e2e tests and would break ORM access
# in tests collected after them in the same session.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is an e2e test (``-m "not e2e"`` leaves them out)."""
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    """A fresh context (own cookies, so own session) and page per test."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def demo(transactional_db):
    """The demo regions and users. ``transactional_db`` because the live server runs in another
    thread and must see committed data."""
    from inburgering.tenancy.demo import seed_demo

    return seed_demo()


@pytest.fixture
def login(page, live_server, demo):
    """Log in through the form; returns the page on the home page."""
    from inburgering.tenancy.demo import DEMO_PASSWORD

    def _login(username: str, password: str = DEMO_PASSWORD):
        page.goto(f"{live_server.url}/inloggen")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state()
        return page

    return _login
