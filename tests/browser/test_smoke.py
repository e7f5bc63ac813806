"""Smoke: the app and every page in app.PAGES that exists load without an exception box."""

from __future__ import annotations

import urllib.request

import pytest

from .harness import SEL_MAIN, SEL_NAV_ACTIVE, app_pages, assert_no_exception, goto, probe, screenshot

PAGES = app_pages()


def test_health_endpoint(app_server):
    with urllib.request.urlopen(f"{app_server}/_stcore/health", timeout=5) as r:
        assert r.status == 200
        assert r.read().decode().strip() == "ok"


def test_landing_page(app_server, page):
    goto(page, app_server, "/")
    assert_no_exception(page)
    heading = page.locator(f"{SEL_MAIN} :is(h1, h2, h3)").first
    heading.wait_for(state="visible")
    assert heading.inner_text().strip()
    screenshot(page, "landing")
    assert not probe(page).page_errors, probe(page).page_errors


@pytest.mark.parametrize("file,title,url_path", PAGES, ids=[p[2] for p in PAGES] or None)
def test_page_loads(app_server, page, file, title, url_path):
    goto(page, app_server, f"/{url_path}")
    assert_no_exception(page)
    # st.navigation sends unknown paths back to the default page: make sure we really are on ours.
    assert page.url.split("?")[0].rstrip("/").endswith(url_path) or url_path == PAGES[0][2], page.url
    active = page.locator(SEL_NAV_ACTIVE)
    if active.count():
        assert title in active.first.inner_text()
    screenshot(page, f"page-{url_path}")
    assert not probe(page).page_errors, probe(page).page_errors


def test_server_log_has_no_config_warnings(app_server):
    from .harness import OUTPUT_DIR

    log = (OUTPUT_DIR / "streamlit-server.log").read_text(errors="replace")
    assert "not a valid config option" not in log, log
