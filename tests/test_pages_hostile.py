"""Hostile links: random and adversarial query strings through AppTest at every simulator page.

Whatever the URL holds (NaN, inf, 1e308, empty values, huge lists, ragged or mismatched shapes, unicode,
repeated keys, thousands of keys), a page shows no exception, shows the warnings ``from_query`` gives for
what the app received, holds a valid state equal to ``from_query``'s and writes that state back to the URL,
each run in bounded time.

What the app receives is modelled here, not assumed: AppTest url-encodes ``query_params`` (lists become
repeated keys); Streamlit drops the whole query string when it has more than 1000 parameters or
512 Ki characters; the app hands every value of a repeated key to ``from_query`` (which warns and uses the
last), and unknown keys too (a key that differs from a known one only by case is reported).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode

import pytest
from apptest_utils import SIM_PAGES, no_exception, open_app, warnings_shown
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rnnviz.query import QUERY_KEYS, from_query, to_query
from rnnviz.state import LIMITS, SimState

RUN_SECONDS = 60  # a "must not hang" guard for one page run (generous: CI machines are shared), not a timing measure
MAX_FIELDS, MAX_CHARS = 1000, 512 * 1024  # streamlit.runtime.state.query_params limits (1.67)

TOKENS = ["0", "1", "-1", "0.5", "-0.25", "2", "nan", "NaN", "inf", "-inf", "Infinity", "1e308", "-1e308",
          "1e309", "1e-320", "1000000", "1000001", "", " ", "1e6", "0x10", "1_0", "١", "１", "½", "∞", "−1",
          "+.5", "5.", ".", "e", "--1", "9" * 70, "1,", ";", "\x00", "🙂", "<b>x</b>", "**x**"]
SIZES = ["0", "1", "2", "3", "5", "64", "65", "1000", "100000", "-1", "1.5", "1e308", "inf", "nan", "", "abc",
         "２", " 3 ", "9" * 100, "3.0", "+2"]
ACTS = ["tanh", "relu", "TANH", " relu ", "sigmoid", "", "ReLU" * 10, "tanh\x00", "NaN"]
# A value that is wrong for every known key: each one gives at least one warning.
BAD = ["nan", "inf", "1e308", "", "abc", "１", "🙂" * 3, "1,nan;2", "-1e309"]


@st.composite
def grids(draw):
    rows = draw(st.integers(0, 6))
    cols = draw(st.integers(0, 6))
    ragged = draw(st.booleans())
    out = []
    for r in range(max(rows, 1)):
        width = cols + (draw(st.integers(-1, 1)) if ragged and r else 0)
        out.append(",".join(draw(st.sampled_from(TOKENS[:8] if draw(st.booleans()) else TOKENS))
                            for _ in range(max(width, 0))))
    return ";".join(out)


huge_lists = st.sampled_from([
    ",".join(["1"] * 8193),  # one more number than a value may hold
    ";".join(["0.5"] * 501),  # x: one step more than T allows
    ";".join([",".join(["0.1"] * 65)] * 65),  # W_h for n = 65
    "1," * 20000,
    ";" * 5000,
    "9" * 210_001,  # longer than LIMITS.max_chars
])
values = st.one_of(grids(), st.sampled_from(SIZES), st.sampled_from(ACTS), st.text(max_size=40), huge_lists)
keys = st.one_of(st.sampled_from(QUERY_KEYS + ("T", "WH", "ACT", "Wh ", "x[]", "n\x00", "ｎ")),
                 st.text(min_size=1, max_size=8)).filter(lambda k: k.lower() not in ("embed", "embed_options"))
queries = st.dictionaries(keys, st.one_of(values, st.lists(values, min_size=2, max_size=3)), max_size=10)


def received(query: dict) -> dict[str, list[str]]:
    """The query as the app reads it: every key with all its values (``st.query_params.get_all``)."""
    encoded = urlencode(query, doseq=True)
    if len(encoded) > MAX_CHARS or encoded.count("&") + 1 > MAX_FIELDS:
        return {}
    return parse_qs(encoded, keep_blank_values=True)


def check_page(at, expected: SimState, warnings: list[str], page: str) -> None:
    no_exception(at)
    state = at.session_state["rnnviz_state"]
    assert isinstance(state, SimState)
    assert 1 <= state.n <= LIMITS.n and 1 <= state.d <= LIMITS.d and 0 <= state.k <= LIMITS.k
    assert 1 <= state.T <= LIMITS.T and 1 <= state.t <= state.T
    assert state == expected, page
    assert warnings_shown(at) == warnings, page
    assert {k: v for k, v in at.query_params.items() if k in QUERY_KEYS} == to_query(state), page
    # either the page drew its charts, or it said why not (relu overflow), never a traceback
    assert at.get("plotly_chart") or any("overflowed" in e.value for e in at.error), page


def run_everywhere(query: dict, bad_key: str | None) -> None:
    seen = received(query)
    expected, warnings = from_query(seen)
    if bad_key is not None and seen:
        assert warnings, (bad_key, seen.get(bad_key))
    start = time.perf_counter()
    at = open_app("pages/cell.py", query, timeout=RUN_SECONDS)
    assert time.perf_counter() - start < 2 * RUN_SECONDS
    check_page(at, expected, warnings, "pages/cell.py")
    for page in SIM_PAGES[1:]:
        start = time.perf_counter()
        at.switch_page(page).run()
        assert time.perf_counter() - start < RUN_SECONDS, page
        check_page(at, expected, warnings, page)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.large_base_example])
@given(query=queries, bad=st.tuples(st.sampled_from(QUERY_KEYS), st.sampled_from(BAD)) | st.none(),
       junk=st.sampled_from([0, 0, 0, 40, 995, 1500]))
@example(query={"n": "1000", "T": "100000"}, bad=None, junk=0)
@example(query={"Wh": "nan,inf;1e308,-1e308", "x": "", "h0": "🙂", "t": "-5"}, bad=("act", "sigmoid"), junk=0)
@example(query={"Wh": ["0.5", "1,2;3,4", "9"]}, bad=("Wx", "1,2,3;4"), junk=995)  # just under the field limit
@example(query={"Wh": "1,2;3,4"}, bad=("b", ""), junk=3000)  # Streamlit drops the whole query string
@example(query={"act": "relu", "Wh": "1000,0;0,1000", "x": ";".join(["1"] * 300), "t": "300"}, bad=None, junk=0)
def test_hostile_queries_at_every_page(query, bad, junk):
    query = dict(query)
    for i in range(junk):
        query[f"junk{i}"] = "1e308"
    if bad is not None:
        query[bad[0]] = bad[1]
    run_everywhere(query, None if bad is None else bad[0])


@pytest.mark.parametrize("key", QUERY_KEYS)
def test_every_key_with_a_bad_value_warns_on_the_page(key):
    query = {key: "nan"}
    seen = received(query)
    expected, warnings = from_query(seen)
    assert warnings
    at = open_app("pages/heatmaps.py", query, timeout=RUN_SECONDS)
    check_page(at, expected, warnings, "pages/heatmaps.py")
    assert warnings_shown(at)[0].startswith(f"{key}:")


def test_a_key_in_the_wrong_case_and_a_repeated_key_warn():
    """Unknown keys reach from_query too: ?WH=... is reported ("did you mean Wh?"), ?n=2&n=3 says it used 3."""
    at = open_app("pages/chain.py", {"WH": "1,0;0,1", "n": ["2", "3"]})
    no_exception(at)
    shown = warnings_shown(at)
    assert any(w.startswith("WH:") and "did you mean Wh?" in w for w in shown), shown
    assert any(w.startswith("n:") and "given 2 times" in w for w in shown), shown
    assert at.session_state["rnnviz_state"].n == 3
    assert "WH" not in at.query_params  # the link is rewritten from the state


OTHER_PAGES = ("pages/lab.py", "pages/pytorch.py", "pages/sharing.py", "pages/quiz.py", "pages/training.py")
HOSTILE = [
    {"n": "1000", "T": "100000"},
    {"Wh": "nan,inf;1e308,-1e308", "x": "", "h0": "🙂", "t": "-5", "act": "sigmoid"},
    {"act": "relu", "Wh": "1000,0;0,1000", "x": ";".join(["1"] * 300), "t": "300"},
    {"k": "3", "Wy": "1,2", "by": "x", "d": "17", "Wx": "1e7"},
]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("page", OTHER_PAGES)
@pytest.mark.parametrize("query", HOSTILE, ids=["sizes", "garbage", "overflow", "output-layer"])
def test_hostile_queries_on_the_other_pages(page, query):
    start = time.perf_counter()
    at = open_app(page, query, timeout=RUN_SECONDS)
    assert time.perf_counter() - start < 2 * RUN_SECONDS, page
    no_exception(at)
    if page == "pages/training.py":  # trains a network of its own: the query is not read
        assert at.get("plotly_chart")
        return
    expected, warnings = from_query(received(query))
    state = at.session_state["rnnviz_state"]
    assert state == expected, page
    assert warnings_shown(at) == warnings, page
