"""Short, exact links: every link the app writes for networks up to n=16, d=4, T=50 (and 3 layers) stays within
2,000 characters and reopens the network exactly; the compact forms (p, xg, ~edits, *float64 blocks) read back
exactly and refuse damage with a plain warning.  Lengths are printed by benchmarks/bench_links.py."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qsl

import numpy as np
import pytest

from rnnviz import presets
from rnnviz.query import (
    INPUT_GENERATORS,
    READABLE_CHARS,
    SAFE_LINK_CHARS,
    address_bar_length,
    from_query,
    query_text,
    to_query,
    to_query_readable,
)
from rnnviz.state import DEFAULT_STATE, SimState, layer_fields, resized, validate_state
from rnnviz.ui.session import link

PAGE_URL = "https://rnnviz-demo.streamlit.app/heatmaps"  # a realistic host and the longest page name but one
MAX_LINK = 2000
SIZES = {"n": 16, "d": 4, "T": 50}


def share_link(state: SimState, input_seed: int = 0) -> str:
    return link(PAGE_URL, to_query(state, input_seed=input_seed))


def assert_short_and_exact(state: SimState, input_seed: int = 0) -> str:
    url = share_link(state, input_seed)
    query = to_query(state, input_seed=input_seed)
    assert len(url) <= MAX_LINK, (len(url), url[:300])
    assert address_bar_length(query) <= MAX_LINK * 2  # the address bar escapes ; and , (readable form only)
    back, warnings = from_query(dict(parse_qsl(url.split("?", 1)[1])))
    assert warnings == [] and back == state, (warnings, back, state)
    return url


def sidebar_path(preset: str, k: int, L: int) -> SimState:
    """The state the sidebar builds: pick the preset, then change n, d, k, T, L one at a time (each a resize)."""
    state = presets.make_preset(preset)
    for name, value in (("n", 16), ("d", 4), ("k", k), ("T", 50), ("L", L)):
        state, warnings = validate_state(base=state, **{name: value})
        assert warnings == []
    return state


def slider_edits(state: SimState, seed: int, count: int = 12) -> SimState:
    """``count`` entries of every weight array of every layer set as a slider sets them (steps of 0.01)."""
    rng = np.random.default_rng(seed)
    changes = {}
    names = [f.name for layer in range(1, state.L + 1) for f in layer_fields(layer)]
    for name in names:
        arr = np.array(state.value(name))
        flat = arr.reshape(-1)
        picks = rng.choice(flat.size, min(count, flat.size), replace=False)
        flat[picks] = np.round(rng.uniform(-3, 3, picks.size), 2)
        changes[name] = arr
    return state.replace(**changes)


CASES = list(itertools.product(presets.PRESETS, (0, 4), (1, 3)))


@pytest.mark.parametrize(("preset", "k", "L"), CASES)
def test_presets_resized_in_the_sidebar_give_short_exact_links(preset, k, L):
    state = sidebar_path(preset, k, L)
    assert_short_and_exact(state)
    assert_short_and_exact(resized(presets.make_preset(preset), k=k, L=L, **SIZES))


@pytest.mark.parametrize(("preset", "k", "L"), CASES)
def test_generated_inputs_and_slider_edits_give_short_exact_links(preset, k, L):
    base = sidebar_path(preset, k, L)
    for i, kind in enumerate(INPUT_GENERATORS):
        seed = 11 * i + 3
        state = base.replace(x=presets.make_inputs(kind, 50, 4, seed=seed), t=17)
        assert_short_and_exact(state, input_seed=seed)
        assert_short_and_exact(slider_edits(state, seed), input_seed=seed)


def test_slider_edits_on_the_default_network_grown_in_the_sidebar():
    state = DEFAULT_STATE
    for name, value in (("n", 16), ("d", 4), ("T", 50), ("L", 3), ("k", 4)):
        state, _ = validate_state(base=state, **{name: value})
    assert_short_and_exact(slider_edits(state, 0, count=16))


def test_small_networks_keep_the_readable_form_of_the_readme():
    state = from_query({"n": "2", "d": "1", "act": "tanh", "Wh": "0.5,0.2;0.3,0.6", "Wx": "0.8;0.4"})[0]
    assert to_query(state) == to_query_readable(state)
    readme = "n=2&d=1&act=tanh&Wh=0.5,0.2;0.3,0.6&Wx=0.8;0.4&b=0.1,0.1&x=2;-1&h0=0,0&t=1"
    assert query_text(to_query(DEFAULT_STATE)) == readme


def test_full_precision_weights_use_the_compact_exact_form():
    rng = np.random.default_rng(5)
    state = resized(DEFAULT_STATE, k=4, L=2, **SIZES)
    state = state.replace(W_h=rng.normal(size=(16, 16)), W_x2=rng.normal(size=(16, 16)) * 1e-3)
    readable, compact = to_query_readable(state), to_query(state)
    assert len(query_text(readable)) > READABLE_CHARS
    assert compact["Wh"].startswith("*") and len(query_text(compact)) < len(query_text(readable)) / 1.5
    assert from_query(compact) == (state, [])


def test_a_link_without_layers_gets_the_seeded_layers_of_before():
    old = to_query_readable(DEFAULT_STATE)
    state, warnings = from_query({**old, "L": "3"})
    assert warnings == [] and state.L == 3 and state == resized(DEFAULT_STATE, L=3)
    state, warnings = from_query({**old, "Wh2": "1,2;3,4"})  # a layer given: L follows it
    assert warnings == [] and state.L == 2 and state.value("W_h2").tolist() == [[1, 2], [3, 4]]


def test_preset_and_generator_keys():
    state, warnings = from_query({"p": "long-memory", "n": "5", "T": "9", "xg": "random.4"})
    expected = resized(presets.make_preset("long memory"), n=5, T=9)
    assert warnings == [] and state == expected.replace(x=presets.make_inputs("random", 9, 1, seed=4))
    state, warnings = from_query({"p": "<b>nope</b>", "xg": "noise.x"})
    assert state == DEFAULT_STATE
    assert warnings == ["p: '?b?nope??b?' is not a preset (lesson, long memory, saturating, exploding, vanishing); "
                        "used the lesson.",
                        "xg: 'noise.x' is not an input generator (lesson, sine, step, impulse, random, random.SEED); "
                        "kept the inputs."]


@pytest.mark.parametrize(("value", "message"), [
    ("~1_1:0.5,9_9:1", "'9?9?1' is outside the shape 2 x 2"),
    ("~1_1", "'1?1' is not an edit (row_col:value, or i:value for a vector)"),
    ("~1_1:abc", "'abc' is not a number"),
    ("~1_1:1e9", "the value '1e9' is outside the allowed range -1e+06 to 1e+06"),
    ("~" + ",".join(["1_1:1"] * 5), "more edits than the 4 numbers it has"),
    ("*fAAAA", "the compact block holds 3 bytes, expected 32 (4 numbers)"),
    ("*q" + "A" * 43, "not a compact number block (*f... or *z...)"),
    ("*z!!!", "the compact block is damaged (not base64url / deflate)"),
    ("*f" + "A" * 42 + "_w", "the compact block holds 33 bytes, expected 32 (4 numbers)"),
    ("*f" + "A" * 42 + " ?", "the compact block is damaged (not base64url / deflate)"),
])
def test_damaged_compact_values_warn_and_keep_the_default(value, message):
    state, warnings = from_query({"Wh": value})
    assert state == DEFAULT_STATE
    assert warnings == [f"Wh: {message}; kept the default values."]


def test_compact_blocks_refuse_nan_and_bombs():
    import base64
    import zlib

    nan = base64.urlsafe_b64encode(np.array([np.nan, 0, 0, 0]).tobytes()).decode().rstrip("=")
    state, warnings = from_query({"Wh": "*f" + nan})
    assert state == DEFAULT_STATE and warnings == ["Wh: a value is outside -1e+06 to 1e+06; kept the default values."]
    bomb = base64.urlsafe_b64encode(zlib.compress(b"\0" * 10_000_000, 9)).decode().rstrip("=")
    state, warnings = from_query({"Wh": "*z" + bomb})
    assert state == DEFAULT_STATE and warnings == ["Wh: the compact block does not hold 4 numbers; "
                                                   "kept the default values."]


def test_every_state_at_the_limits_is_either_shareable_or_refused_before_the_address_bar():
    """A 64-unit network of random float64 weights cannot fit a link: the app must know it (session.shareable)."""
    rng = np.random.default_rng(2)
    state = resized(DEFAULT_STATE, n=64, d=16, T=500, L=3)
    state = state.replace(W_h=rng.normal(size=(64, 64)), x=rng.normal(size=(500, 16)))
    query = to_query(state)
    assert from_query(query) == (state, [])
    assert address_bar_length(query) > SAFE_LINK_CHARS  # the share box offers the weights file instead


# --------------------------------------------------------------------------- the pages (AppTest)

def _app(query: dict | None = None, page: str = "pages/cell.py"):
    from tests.apptest_utils import open_app

    return open_app(page, query)


def test_layers_are_editable_in_the_sidebar_and_carried_in_the_link():
    from rnnviz.ui.session import Keys

    at = _app()
    at.sidebar.number_input(key=Keys.size("L")).set_value(3).run()
    state = at.session_state[Keys.STATE]
    assert not at.exception and state.L == 3 and at.query_params["L"] == "3" and "Wh3" in at.query_params
    at.session_state[Keys.EDIT_LAYER] = 2
    at.run()
    keys = {s.key for s in at.sidebar.slider}
    assert {"rnnviz_W_h2_0_0", "rnnviz_W_x2_1_1", "rnnviz_b2_1"} <= keys and "rnnviz_W_h_0_0" not in keys
    assert any(s.label == "W_h⁽²⁾[1,1]" for s in at.sidebar.slider)
    at.sidebar.slider(key="rnnviz_W_h2_0_1").set_value(0.75).run()
    state = at.session_state[Keys.STATE]
    assert state.value("W_h2")[0, 1] == 0.75 and not at.exception
    reopened = _app(dict(at.query_params), page="pages/heatmaps.py")
    assert reopened.session_state[Keys.STATE] == state and not reopened.exception
    assert reopened.number_input(key=Keys.LAYERS).value == 3


def test_a_network_too_large_for_a_link_offers_the_weights_file_and_leaves_the_address_bar():
    from rnnviz.ui.session import Keys

    rng = np.random.default_rng(4)
    big = resized(DEFAULT_STATE, n=48, T=20).replace(W_h=rng.normal(size=(48, 48)))
    query = to_query(big)
    assert address_bar_length(query) > SAFE_LINK_CHARS
    at = _app(query)
    assert at.session_state[Keys.STATE] == big and not at.exception
    assert not set(at.query_params) & {"n", "Wh", "x"}
    assert any("too large to share as a link" in w.value for w in at.sidebar.warning)
    small = _app({"n": "3"})
    assert any("characters" in c.value for c in small.sidebar.caption) and not small.sidebar.warning


def _hostile_values():
    from hypothesis import strategies as st

    return st.tuples(st.sampled_from(["~", "*f", "*z", "*", "~~"]),
                     st.text(alphabet="0123456789_:,.-eABCxyz=*~;", max_size=80))


def test_hostile_compact_values_never_raise():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(["Wh", "Wx", "b", "x", "h0", "Wh2", "b3", "Wy"]), _hostile_values(),
           st.sampled_from([{}, {"L": "3", "k": "2"}, {"p": "exploding", "xg": "random.3"}]))
    def check(key, value, extra):
        state, warnings = from_query({**extra, key: value[0] + value[1]})
        assert isinstance(state, SimState) and all(isinstance(w, str) for w in warnings)
        assert all(np.isfinite(state.value(f)).all() for f in ("W_h", "x", "h0"))

    check()
