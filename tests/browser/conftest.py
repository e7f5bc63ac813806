"""Fixtures for the browser tests: one Streamlit server and one Chromium for the whole session.

    def test_something(app_server, page):
        goto(page, app_server, "/cell", "n=2&t=1")
        move_slider(page, "Time step t")
        assert_no_exception(page)

Chromium missing -> tests SKIP, unless RNNVIZ_REQUIRE_BROWSER=1 (set by .ci/run): then they FAIL.
Every test in this folder is marked `browser` automatically (`pytest -m "not browser"` skips them).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest

from .harness import (
    CHROMIUM_ARGS,
    StreamlitServer,
    assert_no_exception,
    find_chromium,
    new_app_page,
    probe,
    screenshot,
)

REQUIRE = os.environ.get("RNNVIZ_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if REQUIRE:
        pytest.fail(f"{reason} (RNNVIZ_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    exe = find_chromium()
    if exe is None:
        _unavailable("chromium not found: apt-get install chromium")
    return exe


@contextmanager
def _serving(**server_args):
    server = StreamlitServer(**server_args)
    try:
        url = server.start(timeout=60)
    except Exception as e:  # noqa: BLE001
        server.stop()
        pytest.fail(f"streamlit server did not come up: {e}", pytrace=False)
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def serve(chromium_path):
    """`with serve(**StreamlitServer args) as url:` a server of a test module's own (stopped on exit).

    Depends on chromium_path so a machine without a browser doesn't pay for a server start.
    """
    return _serving


@pytest.fixture(scope="session")
def app_server(serve):
    """Base URL (http://127.0.0.1:<port>) of `streamlit run app.py`, started once per session."""
    with serve() as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright not installed: pip install -r requirements-dev.txt")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, request):
    """A fresh context (so a fresh Streamlit session), viewport 1400x1000, with a SessionProbe.

    `probe(page).console_errors` / `.page_errors` collect browser console errors and uncaught JS
    errors; `.latencies_ms` the rerun latencies.  On a failing test a screenshot is saved as
    test-output/screenshots/FAILED-<test>.png.
    """
    pg = new_app_page(browser)
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        try:
            screenshot(pg, f"FAILED-{request.node.name}")
        except Exception:  # noqa: BLE001
            pass
    pg.context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    if rep.when == "call":
        item.rep_call = rep
    return rep


__all__ = ["assert_no_exception", "probe", "screenshot"]
