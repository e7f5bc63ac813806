"""/cell, the landing page's own name, opens the landing page at "/" with the link's state."""

from __future__ import annotations

import time

from rnnviz.query import from_query, to_query
from rnnviz.state import default_state

from .harness import SEL_MAIN, assert_no_exception, goto, query_params


def test_landing_page_name_redirects_to_root_keeping_the_state(app_server, page):
    query = {**to_query(default_state().replace(activation="relu")), "t": "2"}
    goto(page, app_server, "/cell", query)
    deadline = time.monotonic() + 20
    while query_params(page).get("act") != "relu" and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert page.url.split("?")[0].rstrip("/") == app_server.rstrip("/"), page.url
    assert_no_exception(page)
    assert page.locator("[role='dialog']").count() == 0  # no "Page not found"
    assert page.locator(f"{SEL_MAIN} h1").first.inner_text().strip() == "Cell step-through"
    assert from_query(query_params(page))[0] == from_query(query)[0]
