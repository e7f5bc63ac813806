"""Every page at a laptop (1440 px) and a phone (390 px) width: a full-page screenshot and the layout's checks.

Screenshots go to test-output/screenshots/layout-<page>-<width>.png (CI artifacts): look at them after a change
of layout. The checks are the phone layout's promises: nothing wider than the screen (no sideways scrolling of
the page), the sidebar closed, its open button labelled, slider thumbs of at least 24 px, and the step
picker's buttons side by side rather than stacked full-width bars.
"""

from __future__ import annotations

import pytest

from .harness import app_pages, assert_no_exception, goto, new_app_page, screenshot
from .test_a11y import WIDTHS, page_path

PAGES = app_pages()


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized_page(browser, request):
    pg = new_app_page(browser, viewport=WIDTHS[request.param], timeout_ms=60_000)
    pg.rnnviz_width = request.param
    yield pg
    pg.context.close()


LAYOUT_JS = """() => {
  const rect = (el) => el ? el.getBoundingClientRect() : null;
  const thumbs = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stSlider"] input[type=range]')]
    .map((input) => rect(input.parentElement.parentElement)).filter((r) => r && r.width > 0);
  const buttons = [...document.querySelectorAll('.st-key-rnnviz_step_buttons button[data-testid^="stBaseButton"]')]
    .map(rect).filter((r) => r.width > 0);
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  return {
    pageWidth: Math.max(document.documentElement.scrollWidth,
                        document.querySelector('[data-testid="stMain"]').scrollWidth),
    viewport: window.innerWidth,
    thumbs: thumbs.map((r) => [r.width, r.height]),
    buttons: buttons.map((r) => [r.width, r.top]),
    sidebarCollapsed: sidebar ? sidebar.getAttribute('data-collapsed') : null,
    expandText: (document.querySelector('[data-testid="stExpandSidebarButton"]') || {}).offsetWidth || 0,
  };
}"""


def whole_page_screenshot(page, name: str, max_height: int = 8000) -> None:
    """Streamlit scrolls inside its main area, so a "full page" shot is one screen: grow the window instead."""
    size = page.viewport_size
    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(tall, size["height"]), max_height)})
    page.wait_for_timeout(500)
    screenshot(page, name)
    page.set_viewport_size(size)


@pytest.mark.parametrize("file,title,url_path", PAGES, ids=[p[2] for p in PAGES] or None)
def test_page_layout_and_screenshot(app_server, sized_page, file, title, url_path):
    width = sized_page.rnnviz_width
    goto(sized_page, app_server, page_path(url_path), timeout=120)
    sized_page.wait_for_timeout(500)  # the theme script fits the equations after the last render
    assert_no_exception(sized_page)
    layout = sized_page.evaluate(LAYOUT_JS)
    whole_page_screenshot(sized_page, f"layout-{url_path}-{width}")
    assert layout["pageWidth"] <= layout["viewport"] + 1, f"{url_path} scrolls sideways at {width}: {layout}"
    assert all(w >= 24 and h >= 24 for w, h in layout["thumbs"]), layout["thumbs"]
    if layout["buttons"]:  # Previous / Play / Next: one row, none a full-width bar
        assert len({round(top) for _, top in layout["buttons"]}) == 1, layout["buttons"]
        assert all(w < layout["viewport"] / 2 for w, _ in layout["buttons"]), layout["buttons"]
    if width == "phone":
        assert layout["sidebarCollapsed"] == "true", "the sidebar covers the page on a phone"
        assert layout["expandText"] >= 100, "the sidebar's open button has no visible label"


def test_phone_sidebar_is_a_bottom_sheet_that_closes_after_choosing_a_page(app_server, browser):
    from .harness import open_page_link

    pg = new_app_page(browser, viewport=WIDTHS["phone"], timeout_ms=60_000)
    try:
        goto(pg, app_server, "/", timeout=120)
        pg.click("[data-testid='stExpandSidebarButton']")
        sidebar = pg.locator("[data-testid='stSidebar']")
        pg.wait_for_function("() => document.querySelector('[data-testid=stSidebar]')"
                             ".getAttribute('data-collapsed') === 'false'")
        pg.wait_for_timeout(500)  # the slide-in transition
        box = sidebar.bounding_box()
        screenshot(pg, "layout-phone-sidebar-open")
        assert box["y"] >= WIDTHS["phone"]["height"] * 0.4, box  # the upper part of the page stays visible
        open_page_link(pg, "Sequence & heatmaps", timeout=120)
        pg.wait_for_function("() => document.querySelector('[data-testid=stSidebar]')"
                             ".getAttribute('data-collapsed') === 'true'")
        assert_no_exception(pg)
    finally:
        pg.context.close()
