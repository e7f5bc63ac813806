"""The longest link the app writes reopens exactly on a fresh server, directly and through 1,460-byte pieces.

Measured (``python -m tests.browser.link_limit``, and the HTTP checks below): a fresh server answers a page
request whose query is up to ~127,800 characters when the request arrives in one piece, but only up to
~17,000 when it arrives in 1,460-byte pieces as over a real network (from 17,500 on: "400 Bad Request").
The app therefore never writes a query longer than ``SAFE_LINK_CHARS`` = 8,000 characters as the address bar
escapes it (room for the path, cookies and other headers below that limit); a larger network gets the share
box's weights file instead, and the address bar keeps no network.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlencode

import numpy as np
import pytest

from rnnviz.query import SAFE_LINK_CHARS, address_bar_length, from_query, to_query
from rnnviz.state import SimState, default_state, resized

from .harness import OUTPUT_DIR, goto, new_app_page, query_params, wait_for_rerun
from .link_limit import ChunkingProxy, opens_exactly


def largest_shareable_state() -> SimState:
    """A network of full-precision weights and inputs whose link is as long as the app still writes."""
    rng = np.random.default_rng(3)
    base = resized(default_state(), n=8, d=16, L=2)
    base = base.replace(W_h=rng.normal(size=(8, 8)), W_h2=rng.normal(size=(8, 8)))
    best = None
    for T in range(1, 200):
        state = resized(base, T=T).replace(x=rng.normal(size=(T, 16)), t=T)
        if address_bar_length(to_query(state)) > SAFE_LINK_CHARS:
            break
        best = state
    return best


@pytest.fixture(scope="module")
def fresh_server(serve):
    with serve(log_path=OUTPUT_DIR / "streamlit-link-limits.log") as url:
        yield url


def http_status(base_url: str, query: str) -> int:
    try:
        return urllib.request.urlopen(f"{base_url}/cell?{query}", timeout=60).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_largest_shareable_link_reopens_exactly(fresh_server, browser):
    state = largest_shareable_state()
    query = urlencode(to_query(state))  # escaped as the address bar holds it: the longest form of the link
    assert SAFE_LINK_CHARS - 400 < len(query) <= SAFE_LINK_CHARS, len(query)
    ok, why = opens_exactly(browser, fresh_server, query, state)
    assert ok, why
    page = new_app_page(browser)
    try:  # a reload sends what the app wrote into the address bar
        goto(page, fresh_server, "/heatmaps", query, timeout=90)
        written = query_params(page)
        assert address_bar_length(written) <= SAFE_LINK_CHARS and from_query(written) == (state, [])
        page.reload(wait_until="domcontentloaded")
        wait_for_rerun(page, timeout=90)
        assert query_params(page) == written
    finally:
        page.context.close()


def test_the_largest_shareable_link_reopens_through_network_sized_pieces(fresh_server, browser):
    state = largest_shareable_state()
    query = urlencode(to_query(state))
    port = int(fresh_server.rsplit(":", 1)[1])
    with ChunkingProxy(port) as proxy_url:
        assert http_status(proxy_url, query) == 200
        ok, why = opens_exactly(browser, proxy_url, query, state, timeout=240)  # the proxy makes page loads slow
        assert ok, why


def test_links_past_the_measured_limit_fail_in_pieces(fresh_server):
    """The measurement behind SAFE_LINK_CHARS: 17,000 characters pass in pieces, 17,500 do not."""
    port = int(fresh_server.rsplit(":", 1)[1])
    with ChunkingProxy(port) as proxy_url:
        for chars, expected in ((SAFE_LINK_CHARS, 200), (17_000, 200), (17_500, 400), (40_000, 400)):
            query = "x=" + "1," * ((chars - 2) // 2) + "1"
            assert http_status(proxy_url, query) == expected, chars
    assert http_status(fresh_server, "x=" + "1," * 20_000 + "1") == 200  # the same 40,000 in one piece pass
