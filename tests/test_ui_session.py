"""rnnviz.ui.session: the session's keys, the one link builder, state <-> session <-> URL (AppTest)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from apptest_utils import no_exception
from streamlit.testing.v1 import AppTest

from rnnviz.query import from_query, to_query
from rnnviz.state import default_state
from rnnviz.ui import session
from rnnviz.ui.session import Keys


def test_every_key_is_distinct_and_the_key_builders_do_not_collide_with_them():
    names = {name: value for name, value in vars(Keys).items() if name.isupper()}
    assert len(set(names.values())) == len(names), names
    built = {Keys.size("n"), Keys.entry("W_h", (0, 1)), Keys.knob("random")}
    assert not built & set(names.values())
    assert Keys.entry("W_h", (0, 1)) == "rnnviz_W_h_0_1" and Keys.entry("b", (2,)) == "rnnviz_b_2"


@pytest.mark.parametrize("page_url, landing, expected", [
    ("http://host:8501/chain", False, "http://host:8501/chain?"),
    ("http://host:8501/chain", True, "http://host:8501/?"),
    ("https://example.org/apps/rnnviz/training", True, "https://example.org/apps/rnnviz/?"),
    ("https://example.org/", False, "https://example.org/?"),
    ("https://example.org/", True, "https://example.org/?"),
    ("", False, "./?"),
    ("", True, "./?"),
])
def test_link_keeps_the_page_or_goes_to_the_landing_page(page_url, landing, expected):
    query = to_query(default_state())
    url = session.link(page_url, query, landing)
    assert url.startswith(expected)
    back = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    assert back == query and from_query(back)[0] == default_state()
    assert ";" in url and "%3B" not in url and "%2C" not in url  # readable


def _script():
    import streamlit as st

    from rnnviz.ui import session

    state = session.get_state()
    if st.button("edit", key="edit"):
        session.update_state(n=3)
    if st.button("bad", key="bad"):
        session.update_state(T=10**6)
    if st.button("step", key="step"):
        session.set_step(10**6)
    state = session.current_state()
    session.write_url(state)
    st.code(session.share_url(state))
    for message in session.warnings():
        st.warning(message)


def test_state_session_and_url_follow_each_other():
    at = AppTest.from_function(_script, default_timeout=30).run()
    no_exception(at)
    assert at.session_state[Keys.STATE] == default_state()
    assert dict(at.query_params) == to_query(default_state())
    assert at.code[0].value.startswith("./?")  # no browser: a relative link
    at.button(key="edit").click().run()
    assert at.session_state[Keys.STATE].n == 3 and at.query_params["n"] == "3"
    at.button(key="bad").click().run()
    assert at.warning and at.session_state[Keys.STATE].T < 10**6
    warned = [w.value for w in at.warning]
    at.button(key="step").click().run()  # stepping keeps the warnings and clamps t to T
    state = at.session_state[Keys.STATE]
    assert state.t == state.T and [w.value for w in at.warning] == warned


def test_a_link_the_session_did_not_write_replaces_the_state():
    at = AppTest.from_function(_script, default_timeout=30)
    at.query_params.update({"n": "4"})
    at.run()
    assert at.session_state[Keys.STATE].n == 4
    assert at.session_state[Keys.PRESET] is None  # a link, not a preset
    at.button(key="edit").click().run()  # our own URL write (n = 3) is not read back as a new link
    assert at.session_state[Keys.STATE].n == 3
