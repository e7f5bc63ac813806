"""A server's very first visitor arrives through a deep link (a shared /chain?... URL).

Streamlit runs the requested file alone under its automatic ``pages/`` menu when the first request of
a server's life names a page (the folder is called pages/): raw file names in the sidebar ("app",
"chain"), a centered layout.  ``widgets.page_setup()`` reruns under app.py's ``st.navigation``; this
module guards that with its OWN fresh server, so the deep link really is the first page request.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnviz.query import from_query, to_query

from .harness import (
    OUTPUT_DIR,
    SEL_MAIN,
    SEL_NAV_ACTIVE,
    SEL_NAV_LINK,
    app_pages,
    assert_no_exception,
    goto,
    probe,
    query_params,
    screenshot,
    slider_value,
)

PAGES = app_pages()
TITLES = [title for _, title, _ in PAGES]
RAW_NAMES = {"app"} | {Path(f).stem for f, _, _ in PAGES}
DEEP_QUERY = to_query(from_query({"n": "2", "Wh": "0.4,0.1;-0.2,0.7", "x": "1;-2;0.5", "t": "2"})[0])


@pytest.fixture(scope="module")
def fresh_server(serve):
    with serve(log_path=OUTPUT_DIR / "streamlit-deep-link.log") as url:
        yield url


def nav_labels(page) -> list[str]:
    """The sidebar navigation's link texts without the icon ligature (last line of each link)."""
    return [text.strip().splitlines()[-1].strip()
            for text in page.locator(SEL_NAV_LINK).all_inner_texts()]


def check_app_navigation(page, path: str, title: str) -> None:
    assert_no_exception(page)
    assert not page.locator("[role='dialog']").all_inner_texts(), page.locator("[role='dialog']").all_inner_texts()
    labels = nav_labels(page)
    assert labels == TITLES, f"sidebar navigation {labels}, expected the app's page titles {TITLES}"
    assert not RAW_NAMES & set(labels), labels
    active = page.locator(SEL_NAV_ACTIVE)
    assert active.count() == 1 and active.first.inner_text().strip().endswith(title), active.all_inner_texts()
    assert page.url.split("?")[0].endswith(path), page.url
    # wide layout: the main block spans the window beside the sidebar; centered stops at 736 px
    width = page.locator("[data-testid='stMainBlockContainer']").first.bounding_box()["width"]
    assert width > 900, f"main block is {width:.0f} px wide at a 1400 px viewport: not the wide layout"
    heading = page.locator(f"{SEL_MAIN} h1").first.inner_text().strip()
    assert heading == title, heading


def test_first_request_is_a_deep_link(fresh_server, page):
    goto(page, fresh_server, "/chain", DEEP_QUERY)
    check_app_navigation(page, "/chain", "Unrolled chain")
    # the state of the link, not the lesson default; the app mirrors the same query back
    assert query_params(page) == DEEP_QUERY
    assert slider_value(page, "Step t") == 2
    assert slider_value(page, "W_h[2,1]") == -0.2
    screenshot(page, "deep-link-first-request-chain")
    assert not probe(page).page_errors, probe(page).page_errors


def test_later_deep_link_on_the_same_server(fresh_server, page):
    """After the first one, a deep link to another page gets the same navigation and layout."""
    if "heatmaps" not in {p for _, _, p in PAGES}:
        pytest.skip("no heatmaps page")
    goto(page, fresh_server, "/heatmaps", DEEP_QUERY)
    check_app_navigation(page, "/heatmaps", "Sequence & heatmaps")
    assert query_params(page) == DEEP_QUERY
