"""The shared Streamlit controls: the only module in rnnviz/ that imports streamlit.

One rule keeps widgets and state from drifting apart: the ``SimState`` in session state is
the truth.  Before a widget is drawn it is given the state's value, unless the browser holds
that value already (``_sync``); a widget change runs an ``on_change`` callback that builds a
new, validated state.  The URL is written from the state on every run, and read back only
when it carries a state this session did not write (a shared link, a page link with query
parameters).
"""

from __future__ import annotations

import math
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd
import streamlit as st

from rnnviz import presets, stacking
from rnnviz.engine import Trace, forward
from rnnviz.query import QUERY_KEYS, from_query, to_query
from rnnviz.state import LIMITS, SimState, validate_state

STATE = "rnnviz_state"
WARNINGS = "rnnviz_warnings"
WRITTEN_QUERY = "rnnviz_written_query"  # the queries this session wrote to the URL, newest last
WRITTEN_KEEP = 32
EDITOR_GEN = "rnnviz_editor_gen"  # bumped to redraw data editors from the state
DECIMALS = "rnnviz_lesson_rounding"
MAX_SLIDERS = 24  # above this many entries a group is edited in a grid instead
UPLOAD_CAP_BYTES = 200_000

_LABELS = {"W_h": "W_h", "W_x": "W_x", "b": "b", "W_y": "W_y", "b_y": "b_y", "h0": "h_0", "x": "x"}


# --------------------------------------------------------------------------- page setup

PAGE_TITLE = "rnnviz: vanilla RNNs, step by step"


def page_setup() -> None:
    """The first call on every page: the app's own navigation and a wide layout.

    A server's first visitor who opens a page URL directly (a shared link to /chain) makes
    Streamlit run that file alone under its automatic ``pages/`` menu, because the folder is
    called pages/.  Clearing that mode and running again hands control to app.py's
    ``st.navigation``, which resolves the same page by its URL.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    st.set_page_config(page_title=PAGE_TITLE, page_icon=":material/neurology:", layout="wide")


# --------------------------------------------------------------------------- state <-> session <-> URL

def _sim_query(query) -> dict[str, str]:
    return {key: query[key] for key in QUERY_KEYS if key in query}


def get_state() -> SimState:
    """The session's state; a URL that carries a state the app did not write replaces it."""
    incoming = _sim_query(st.query_params.to_dict())
    # A rerun the browser sent before our last URL write reached it carries an older query of ours:
    # that is not a shared link, and reading it would undo the change that triggered the rerun.
    if STATE not in st.session_state or (incoming and incoming not in st.session_state.get(WRITTEN_QUERY, [])):
        state, warnings = from_query({key: st.query_params.get_all(key) for key in st.query_params})
        _store(state, warnings)
        _set_origin(state)
    return st.session_state[STATE]


def _store(state: SimState, warnings: list[str] | None = None) -> None:
    st.session_state[STATE] = state
    st.session_state[WARNINGS] = list(warnings or [])
    st.session_state[EDITOR_GEN] = st.session_state.get(EDITOR_GEN, 0) + 1


def set_state(state: SimState, warnings: list[str] | None = None) -> None:
    """Replace the state (from a callback or a page action)."""
    _store(state, warnings)


def update_state(**parts) -> None:
    """Validate edited parts against the current state and store the result with its warnings."""
    state, warnings = validate_state(base=st.session_state[STATE], **parts)
    _store(state, warnings)


def write_url(state: SimState) -> None:
    """Mirror the state in the address bar so the link can be shared."""
    query = to_query(state)
    written = [q for q in st.session_state.get(WRITTEN_QUERY, []) if q != query]
    st.session_state[WRITTEN_QUERY] = (written + [query])[-WRITTEN_KEEP:]
    if _sim_query(st.query_params.to_dict()) != query:
        st.query_params.from_dict(query)


def share_url(state: SimState) -> str:
    """The full link of this page with the state in it (relative when the host is unknown)."""
    query = urlencode(to_query(state), safe=",;")
    try:
        parts = urlsplit(st.context.url or "")
        base = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else "./"
    except Exception:  # st.context.url is missing outside a browser session
        base = "./"
    return f"{base}?{query}"


def show_warnings() -> None:
    for message in st.session_state.get(WARNINGS, []):
        st.warning(message, icon=":material/warning:")


def simulate(state: SimState) -> Trace:
    """The engine's forward pass for the state; stops the page with a message if it overflowed."""
    trace = forward(state.params, state.x, state.h0)
    finite = np.isfinite(trace.h).all() and (trace.y is None or np.isfinite(trace.y).all())
    if not finite:
        st.error("The hidden state overflowed to infinity (relu with a spectral radius above 1 grows without "
                 "bound over a long sequence). Lower the spectral radius of W_h, shorten T, or use tanh.",
                 icon=":material/error:")
        st.stop()
    return trace


def numbers(table, caption: str | None = None, title: str = "Numbers") -> None:
    """A chart's numbers as a table in an expander: for screen readers and copy-paste."""
    with st.expander(title):
        if caption:
            st.caption(caption)
        st.dataframe(table, width="stretch")


# --------------------------------------------------------------------------- display options

def decimals() -> int:
    """4 decimals, or 3 when "round like the lesson" is on."""
    return 3 if st.session_state.get(DECIMALS, False) else 4


def lesson_rounding_toggle() -> int:
    st.toggle("Round like the lesson (3 decimals)", key=DECIMALS,
              help="Display only: the engine always computes exactly; this shows 3 decimals like the lesson.")
    return decimals()


# --------------------------------------------------------------------------- step picker

SYNCED = "rnnviz_synced"  # widget key -> (page, shape) it was last pushed to the browser for


def _sync(key: str, value, shape=()) -> None:
    """Give a widget the state's value, but only when the browser does not already hold it.

    Assigning st.session_state[key] makes Streamlit push the value to the browser (set_value), which
    snaps back a slider the user has already moved further while this run was in flight.  The value
    is pushed when it differs from the widget's, and whenever the widget is new to the browser: another
    page (widget ids are per page) or other parameters (``shape``: a slider's range).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    mark = (ctx.page_script_hash if ctx else "", shape)
    synced = st.session_state.setdefault(SYNCED, {})
    if key not in st.session_state or st.session_state[key] != value or synced.get(key) != mark:
        st.session_state[key] = value
    synced[key] = mark


def _set_t(t: int) -> None:
    state = st.session_state[STATE]
    _store(state.replace(t=int(min(max(t, 1), state.T))), st.session_state.get(WARNINGS))


def _on_t_slider() -> None:
    _set_t(st.session_state["rnnviz_t"])


def step_picker(state: SimState) -> int:
    """Pick step t: a slider (arrow keys step it) plus previous/next buttons."""
    if state.T == 1:
        st.caption("The sequence has a single step: t = 1.")
        return 1
    _sync("rnnviz_t", state.t, state.T)
    left, mid, right = st.columns([1, 10, 1], vertical_alignment="bottom")
    left.button("◀", key="rnnviz_prev", help="Previous step", on_click=_set_t, args=(state.t - 1,),
                disabled=state.t <= 1, width="stretch")
    mid.slider("Step t", 1, state.T, key="rnnviz_t", on_change=_on_t_slider,
               help="Click the slider, then use ← → (Home / End) to step through time.")
    right.button("▶", key="rnnviz_next", help="Next step", on_click=_set_t, args=(state.t + 1,),
                 disabled=state.t >= state.T, width="stretch")
    return state.t


# --------------------------------------------------------------------------- sidebar

PRESET = "rnnviz_preset"  # the preset selectbox: a preset's name, or None for a network opened from a link
ORIGIN = "rnnviz_origin"  # the state Reset returns to: the chosen preset's, or the link's


def _set_origin(state: SimState) -> None:
    """Remember where the network came from; a link that spells out a preset selects that preset."""
    st.session_state[ORIGIN] = state
    network = state.replace(t=1)  # the selected step is not part of a preset
    st.session_state[PRESET] = next((name for name in presets.PRESETS if presets.make_preset(name) == network), None)


def _on_preset() -> None:
    name = st.session_state[PRESET]
    if name is not None:
        state = presets.make_preset(name)
        _store(state)
        st.session_state[ORIGIN] = state


def _on_reset() -> None:
    origin = st.session_state.get(ORIGIN) or presets.make_preset("lesson")
    state = st.session_state[STATE]
    _store(origin.replace(t=min(state.t, origin.T)))  # the network comes back; the step t stays


def _on_size(field: str) -> None:
    update_state(**{field: st.session_state[f"rnnviz_size_{field}"]})


def _on_activation() -> None:
    update_state(activation=st.session_state["rnnviz_act"])


def _on_entry(name: str, index: tuple[int, ...]) -> None:
    state = st.session_state[STATE]
    arr = np.array(_array(state, name))
    arr[index] = st.session_state[_entry_key(name, index)]
    update_state(**{name: arr})


def _array(state: SimState, name: str) -> np.ndarray:
    if name == "x":
        return state.x
    if name == "h0":
        return state.h0
    return getattr(state.params, name)


def _entry_key(name: str, index: tuple[int, ...]) -> str:
    return f"rnnviz_{name}_" + "_".join(map(str, index))


def _entry_label(name: str, index: tuple[int, ...]) -> str:
    if name == "x":  # x is (T, d): x_t[j]
        return f"x_{index[0] + 1}[{index[1] + 1}]"
    if len(index) == 2:
        return f"{_LABELS[name]}[{index[0] + 1},{index[1] + 1}]"
    return f"{_LABELS[name]}[{index[0] + 1}]"


def _slider_bound(arr: np.ndarray) -> float:
    """Slider range ±R: at least 3, wide enough for every current value."""
    biggest = float(np.max(np.abs(arr))) if arr.size else 0.0
    return float(max(3, math.ceil(biggest)))


def _entry_sliders(state: SimState, name: str) -> None:
    arr = _array(state, name)
    bound = _slider_bound(arr)
    for index in np.ndindex(arr.shape):
        key = _entry_key(name, index)
        _sync(key, float(arr[index]), bound)
        st.slider(_entry_label(name, index), -bound, bound, step=0.01, key=key, format="%.4f",
                  on_change=_on_entry, args=(name, index))


def _on_editor(name: str, key: str) -> None:
    edits = st.session_state.get(key) or {}
    state = st.session_state[STATE]
    arr = np.array(_array(state, name), dtype=np.float64)
    grid = arr.reshape(arr.shape[0], -1)
    try:
        for row, changes in edits.get("edited_rows", {}).items():
            for col, value in changes.items():
                grid[int(row), int(str(col).split(" ")[-1].strip("[]")) - 1] = float(value)
    except (TypeError, ValueError, IndexError):
        _store(state, [f"{_LABELS[name]}: that edit is not a number; kept the current values."])
        return
    update_state(**{name: grid.reshape(arr.shape)})


def _matrix_editor(state: SimState, name: str) -> None:
    arr = _array(state, name)
    grid = arr.reshape(arr.shape[0], -1)
    if name == "x":
        index = [f"t={t}" for t in range(1, grid.shape[0] + 1)]
        columns = [f"x [{j}]" for j in range(1, grid.shape[1] + 1)]
    else:
        index = [f"row {i}" for i in range(1, grid.shape[0] + 1)]
        columns = [f"col [{j}]" for j in range(1, grid.shape[1] + 1)]
    key = f"rnnviz_editor_{name}_{st.session_state.get(EDITOR_GEN, 0)}"
    st.caption(f"{_LABELS[name]} ({' × '.join(map(str, arr.shape))})")
    st.data_editor(pd.DataFrame(grid, index=index, columns=columns), key=key, on_change=_on_editor,
                   args=(name, key), num_rows="fixed", height=min(36 * (grid.shape[0] + 1) + 3, 300),
                   width="stretch")


def _edit_group(state: SimState, names: list[str]) -> None:
    count = sum(_array(state, name).size for name in names)
    for name in names:
        if count <= MAX_SLIDERS:
            _entry_sliders(state, name)
        else:
            _matrix_editor(state, name)


def _on_knob(action: str) -> None:
    state = st.session_state[STATE]
    n, seed = state.n, int(st.session_state.get("rnnviz_knob_seed", 0))
    message = None
    if action == "radius":
        W_h, message = presets.scale_to_spectral_radius(state.params.W_h, st.session_state["rnnviz_knob_rho"])
    elif action == "random":
        W_h = presets.random_matrix((n, n), seed, scale=1.0 / math.sqrt(n))
    elif action == "identity":
        W_h = presets.identity_matrix(n)
    elif action == "orthogonal":
        W_h = presets.orthogonal_matrix(n, seed)
    else:
        W_h = presets.zeros((n, n))
    update_state(W_h=W_h)
    if message:
        st.session_state[WARNINGS].append(message)


def _matrix_knobs() -> None:
    st.number_input("Spectral radius ρ", 0.0, 10.0, 0.9, 0.05, key="rnnviz_knob_rho")
    st.button("Scale W_h to ρ", key="rnnviz_knob_radius", on_click=_on_knob, args=("radius",),
              width="stretch")
    st.number_input("Seed", 0, 2**31 - 1, 0, 1, key="rnnviz_knob_seed")
    cols = st.columns(2)
    for i, (action, label) in enumerate([("random", "Random"), ("orthogonal", "Orthogonal"),
                                          ("identity", "Identity"), ("zero", "Zero")]):
        cols[i % 2].button(label, key=f"rnnviz_knob_{action}", on_click=_on_knob, args=(action,),
                           width="stretch")


def _on_inputs() -> None:
    state = st.session_state[STATE]
    kind = st.session_state["rnnviz_input_kind"]
    if kind is None or kind == "custom":  # no kind picked yet (the seed changed first), or custom
        return
    seed = int(st.session_state.get("rnnviz_input_seed", 0))
    update_state(x=presets.make_inputs(kind, state.T, state.d, seed=seed))


def _on_paste() -> None:
    _load_inputs_text(st.session_state.get("rnnviz_paste", ""))


def _on_upload() -> None:
    upload = st.session_state.get("rnnviz_upload")
    if upload is None:
        return
    if upload.size > UPLOAD_CAP_BYTES:
        _store(st.session_state[STATE], [f"x: the file is {upload.size:,} bytes; the limit is "
                                         f"{UPLOAD_CAP_BYTES:,}. Kept the current inputs."])
        return
    _load_inputs_text(upload.getvalue().decode("utf-8", errors="replace"))


def _load_inputs_text(text: str) -> None:
    state = st.session_state[STATE]
    x, warnings = presets.parse_inputs(text, state.d)
    if x is None:
        _store(state, warnings)
        return
    new, more = validate_state(base=state, T=x.shape[0], x=x)
    _store(new, warnings + more)


def _inputs_panel(state: SimState) -> None:
    st.selectbox("Input sequence", presets.INPUT_KINDS, key="rnnviz_input_kind", on_change=_on_inputs,
                 index=None, placeholder="Generate inputs…",
                 help="Regenerate x for the current T and d. 'custom' keeps your own numbers.")
    st.number_input("Input seed (random)", 0, 2**31 - 1, 0, 1, key="rnnviz_input_seed", on_change=_on_inputs)
    if state.T * state.d + state.n <= MAX_SLIDERS:
        _edit_group(state, ["x", "h0"])
    else:
        _matrix_editor(state, "x")
        _edit_group(state, ["h0"])
    st.text_area("Paste inputs (one step per line, d numbers each)", key="rnnviz_paste", on_change=_on_paste,
                 height=80, max_chars=UPLOAD_CAP_BYTES)
    st.file_uploader("…or upload a CSV", type=["csv", "txt"], key="rnnviz_upload", on_change=_on_upload,
                     help=f"At most {LIMITS.T} rows and {UPLOAD_CAP_BYTES // 1000} kB.")


def _sizes_panel(state: SimState) -> None:
    cols = st.columns(2)
    specs = [("n", "hidden n", 1, LIMITS.n, state.n), ("d", "input d", 1, LIMITS.d, state.d),
             ("k", "output k", 0, LIMITS.k, state.k), ("T", "length T", 1, LIMITS.T, state.T)]
    for i, (field, label, lo, hi, value) in enumerate(specs):
        key = f"rnnviz_size_{field}"
        _sync(key, int(value))
        cols[i % 2].number_input(label, lo, hi, step=1, key=key, on_change=_on_size, args=(field,),
                                 help=f"{lo} to {hi}" + (" (0 = no output layer)" if field == "k" else ""))
    _sync("rnnviz_act", state.activation)
    st.radio("Activation f", ["tanh", "relu"], key="rnnviz_act", horizontal=True, on_change=_on_activation)


def network_sidebar() -> SimState:
    """Draw the network controls in the sidebar; returns the (possibly updated) state."""
    state = get_state()
    with st.sidebar:
        st.markdown("### Network")
        preset = st.session_state.get(PRESET)
        st.selectbox("Preset", list(presets.PRESETS), key=PRESET, on_change=_on_preset,
                     placeholder="Opened from a link")
        origin = st.session_state.get(ORIGIN)
        edited = origin is None or state.replace(t=1) != origin.replace(t=1)  # stepping t is not an edit
        source = "the preset" if preset else "the link"
        st.caption((presets.PRESETS[preset] if preset else "This network came from a link.")
                   + (f" Edited since; Reset goes back to {source}." if edited else ""))
        st.button(f"Reset to {source}", key="rnnviz_reset", on_click=_on_reset, icon=":material/restart_alt:",
                  help=f"Back to the values of {source}", width="stretch", disabled=not edited)
        with st.expander("Sizes and activation", expanded=False):
            _sizes_panel(state)
        with st.expander("Weights", expanded=True):
            names = ["W_h", "W_x", "b"] + (["W_y", "b_y"] if state.k else [])
            _edit_group(state, names)
            if state.params.num_params > MAX_SLIDERS:
                st.markdown("**Whole-matrix knobs for W_h**")
                _matrix_knobs()
        with st.expander("Inputs x and h_0", expanded=state.T * state.d <= 4):
            _inputs_panel(state)
        with st.expander("Share this network"):
            st.code(share_url(state), language=None, wrap_lines=True)
            st.caption("The link opens this exact network on any page (copy button at the right).")
    state = st.session_state[STATE]
    write_url(state)
    return state


def simulator_page(title: str, caption: str | None = None) -> tuple[SimState, Trace, int, int]:
    """The common top of a simulator page: sidebar, title, warnings, the engine's trace, step t, decimals."""
    page_setup()
    state = network_sidebar()
    st.title(title)
    if caption:
        st.caption(caption)
    show_warnings()
    trace = simulate(state)
    controls = st.columns([5, 2], vertical_alignment="bottom")
    with controls[0]:
        t = step_picker(state)
    with controls[1]:
        digits = lesson_rounding_toggle()
    return state, trace, t, digits


LAYERS = "sim_layers"
LAYERS_KEPT = "sim_layers_value"  # survives page switches (a widget's own key is dropped when it is not drawn)


def _keep_layers() -> None:
    st.session_state[LAYERS_KEPT] = int(st.session_state[LAYERS])


def layers_input() -> int:
    """The "Stacked layers" number input shared by the heatmaps and chain pages."""
    st.session_state[LAYERS] = int(st.session_state.get(LAYERS_KEPT, 1))
    st.columns([1, 3])[0].number_input(
        "Stacked layers", 1, stacking.MAX_LAYERS, step=1, key=LAYERS, on_change=_keep_layers,
        help="nn.RNN's num_layers: layer l reads layer l−1's h_t. Layer 1 is the sidebar's network; "
             "the layers above get seeded weights.")
    return int(st.session_state[LAYERS])


def stacked(state: SimState, trace: Trace, layers: int):
    """(params, traces) of every layer; the page stops with a message if a seeded layer overflowed."""
    if layers == 1:
        return [state.params], [trace]
    try:
        return stacking.stacked_traces(state, layers)
    except OverflowError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
