"""The network sidebar every simulator page draws: preset and reset, sizes, weights, inputs, share link.

Each widget is given the state's value before it is drawn (``session.sync_widget``) and changes the
state through an ``on_change`` callback, never through its return value.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from rnnviz import presets, stacking, weights_io
from rnnviz.state import LIMITS, SimState, layer_fields, validate_state
from rnnviz.ui import messages, parts, session
from rnnviz.ui.session import Keys

MAX_SLIDERS = 24  # above this many entries a group is edited in a grid instead
UPLOAD_CAP_BYTES = 200_000
LABELS = {"W_h": "W_h", "W_x": "W_x", "b": "b", "W_y": "W_y", "b_y": "b_y", "h0": "h_0", "x": "x"}
KNOBS = [("random", "Random"), ("orthogonal", "Orthogonal"), ("identity", "Identity"), ("zero", "Zero")]


def network_sidebar() -> None:
    """Draw the network controls in the sidebar.  What a value edit changes in it (where the network came
    from, the share box and the address bar) are parts of their own (``rnnviz.ui.parts``)."""
    state = session.get_state()
    with st.sidebar:
        st.markdown("### Network")
        session.chosen_preset()
        st.selectbox("Preset", list(presets.PRESETS), key=Keys.PRESET, on_change=_on_preset,
                     placeholder="Opened from a link")
        parts.draw(parts.ORIGIN, _origin_and_reset)
        with st.expander("Sizes and activation", expanded=False):
            _sizes_panel(state)
        with st.expander("Weights", expanded=True):
            _weights_panel(state)
        with st.expander("Inputs x and h_0", expanded=state.T * state.d <= 4):
            _inputs_panel(state)
        parts.draw(parts.SHARE, _share_and_url)


def _share_and_url() -> None:
    state = session.current_state()
    linkable = session.shareable(session.state_query(state))
    with st.expander("Share this network" if linkable else "Share: too large for a link", expanded=not linkable):
        share_box(state)
    session.write_url(state)


# --------------------------------------------------------------------------- preset and reset

def _origin_and_reset() -> None:
    preset = session.origin_preset()
    edited = session.edited(session.current_state())
    source = "the preset" if preset else "the link"
    st.caption((presets.PRESETS[preset] if preset else "This network came from a link.")
               + (f" Edited since; Reset goes back to {source}." if edited else ""))
    st.button(f"Reset to {source}", key=Keys.RESET, on_click=_on_reset, icon=":material/restart_alt:",
              help=f"Back to the values of {source}", width="stretch", disabled=not edited)


def _on_preset() -> None:
    name = session.get(Keys.PRESET)  # the box's new value (chosen_preset() is still the old origin's)
    if name is not None:
        state = presets.make_preset(name)
        session.store_state(state)
        session.set_origin(state)


def _on_reset() -> None:
    origin = session.origin() or presets.make_preset("lesson")
    state = session.current_state()
    session.store_state(origin.replace(t=min(state.t, origin.T)))  # the network comes back; the step t stays
    parts.rerun_page()  # the button is in a part of its own, but every slider of the sidebar moves back


# --------------------------------------------------------------------------- sizes and activation

def _sizes_panel(state: SimState) -> None:
    cols = st.columns(2)
    specs = [("n", "hidden n", 1, LIMITS.n, state.n), ("d", "input d", 1, LIMITS.d, state.d),
             ("k", "output k", 0, LIMITS.k, state.k), ("T", "length T", 1, LIMITS.T, state.T),
             ("L", "layers L", 1, stacking.MAX_LAYERS, state.L)]
    for i, (field, label, lo, hi, value) in enumerate(specs):
        session.sync_widget(Keys.size(field), int(value))
        cols[i % 2].number_input(label, lo, hi, step=1, key=Keys.size(field), on_change=_on_size, args=(field,),
                                 help=f"{lo} to {hi}" + (" (0 = no output layer)" if field == "k" else ""))
    session.sync_widget(Keys.ACTIVATION, state.activation)
    st.radio("Activation f", ["tanh", "relu"], key=Keys.ACTIVATION, horizontal=True, on_change=_on_activation)


def _on_size(field: str) -> None:
    session.update_state(**{field: session.get(Keys.size(field))})


def _on_activation() -> None:
    session.update_state(activation=session.get(Keys.ACTIVATION))


# --------------------------------------------------------------------------- weights: sliders or grids

def _weights_panel(state: SimState) -> None:
    layer = layer_picker(state)
    if layer > 1:
        _edit_group(state, [f.name for f in layer_fields(layer)])
        return
    _edit_group(state, ["W_h", "W_x", "b"] + (["W_y", "b_y"] if state.k else []))
    if state.params.num_params > MAX_SLIDERS:
        st.markdown("**Whole-matrix knobs for W_h**")
        _matrix_knobs()


def _edit_group(state: SimState, names: list[str]) -> None:
    """Per-entry sliders while the group is small, a data editor per array otherwise."""
    count = sum(_array(state, name).size for name in names)
    for name in names:
        if count <= MAX_SLIDERS:
            _entry_sliders(state, name)
        else:
            _matrix_editor(state, name)


def _array(state: SimState, name: str) -> np.ndarray:
    return state.value(name)


def _label(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    part, layer = name[:-1], int(name[-1])
    return stacking.symbol(part, layer, layer)


def _entry_label(name: str, index: tuple[int, ...]) -> str:
    if name == "x":  # x is (T, d): x_t[j]
        return f"x_{index[0] + 1}[{index[1] + 1}]"
    if len(index) == 2:
        return f"{_label(name)}[{index[0] + 1},{index[1] + 1}]"
    return f"{_label(name)}[{index[0] + 1}]"


def _slider_bound(arr: np.ndarray) -> float:
    """Slider range ±R: at least 3, wide enough for every current value."""
    biggest = float(np.max(np.abs(arr))) if arr.size else 0.0
    return float(max(3, math.ceil(biggest)))


def _entry_sliders(state: SimState, name: str) -> None:
    arr = _array(state, name)
    bound = _slider_bound(arr)
    for index in np.ndindex(arr.shape):
        key = Keys.entry(name, index)
        session.sync_widget(key, float(arr[index]), bound)
        st.slider(_entry_label(name, index), -bound, bound, step=0.01, key=key, format="%.4f",
                  on_change=_on_entry, args=(name, index))


def _on_entry(name: str, index: tuple[int, ...]) -> None:
    before = session.current_state()
    arr = np.array(_array(before, name))
    arr[index] = session.get(Keys.entry(name, index))
    session.update_state(**{name: arr})
    parts.after_edit(before)  # the slider shows its value already; the sidebar's other widgets did not change


def _matrix_editor(state: SimState, name: str) -> None:
    arr = _array(state, name)
    grid = arr.reshape(arr.shape[0], -1)
    if name == "x":
        index = [f"t={t}" for t in range(1, grid.shape[0] + 1)]
        columns = [f"x [{j}]" for j in range(1, grid.shape[1] + 1)]
    else:
        index = [f"row {i}" for i in range(1, grid.shape[0] + 1)]
        columns = [f"col [{j}]" for j in range(1, grid.shape[1] + 1)]
    key = Keys.editor(name)
    st.caption(f"{_label(name)} ({' × '.join(map(str, arr.shape))})")
    st.data_editor(pd.DataFrame(grid, index=index, columns=columns), key=key, on_change=apply_editor_edits,
                   args=(name, key), num_rows="fixed", height=min(36 * (grid.shape[0] + 1) + 3, 300),
                   width="stretch")


def apply_editor_edits(name: str, key: str) -> None:
    """The data editor's callback: its edits (``{"edited_rows": {row: {column: value}}}``) into the state."""
    edits = session.get(key) or {}
    state = session.current_state()
    arr = np.array(_array(state, name), dtype=np.float64)
    grid = arr.reshape(arr.shape[0], -1)
    try:
        for row, changes in edits.get("edited_rows", {}).items():
            for col, value in changes.items():
                grid[int(row), int(str(col).split(" ")[-1].strip("[]")) - 1] = float(value)
    except (TypeError, ValueError, IndexError):
        session.store_state(state, [f"{_label(name)}: that edit is not a number; kept the current values."])
        return
    session.update_state(**{name: grid.reshape(arr.shape)})


# --------------------------------------------------------------------------- whole-matrix knobs for W_h

def _matrix_knobs() -> None:
    st.number_input("Spectral radius ρ", 0.0, 10.0, 0.9, 0.05, key=Keys.KNOB_RHO)
    st.button("Scale W_h to ρ", key=Keys.knob("radius"), on_click=_on_knob, args=("radius",), width="stretch")
    st.number_input("Seed", 0, 2**31 - 1, 0, 1, key=Keys.KNOB_SEED)
    cols = st.columns(2)
    for i, (action, label) in enumerate(KNOBS):
        cols[i % 2].button(label, key=Keys.knob(action), on_click=_on_knob, args=(action,), width="stretch")


def _on_knob(action: str) -> None:
    n = session.current_state().n
    seed = int(session.get(Keys.KNOB_SEED, 0))
    message = None
    if action == "radius":
        W_h, message = presets.scale_to_spectral_radius(session.current_state().params.W_h,
                                                        session.get(Keys.KNOB_RHO))
    elif action == "random":
        W_h = presets.random_matrix((n, n), seed, scale=1.0 / math.sqrt(n))
    elif action == "identity":
        W_h = presets.identity_matrix(n)
    elif action == "orthogonal":
        W_h = presets.orthogonal_matrix(n, seed)
    else:
        W_h = presets.zeros((n, n))
    session.update_state(W_h=W_h)
    if message:
        session.add_warning(message)


# --------------------------------------------------------------------------- inputs x and h_0

def _inputs_panel(state: SimState) -> None:
    st.selectbox("Input sequence", presets.INPUT_KINDS, key=Keys.INPUT_KIND, on_change=_on_inputs,
                 index=None, placeholder="Generate inputs…",
                 help="Regenerate x for the current T and d. 'custom' keeps your own numbers.")
    st.number_input("Input seed (random)", 0, 2**31 - 1, 0, 1, key=Keys.INPUT_SEED, on_change=_on_inputs)
    if state.T * state.d + state.n <= MAX_SLIDERS:
        _edit_group(state, ["x", "h0"])
    else:
        _matrix_editor(state, "x")
        _edit_group(state, ["h0"])
    st.text_area("Paste inputs (one step per line, d numbers each)", key=Keys.PASTE, on_change=_on_paste,
                 height=80, max_chars=UPLOAD_CAP_BYTES)
    # The limit in the label: the drop zone's own "Limit 1MB" can only name whole megabytes (max_upload_size)
    st.file_uploader(f"…or upload a CSV (at most {UPLOAD_CAP_BYTES // 1000} kB)", type=["csv", "txt"],
                     key=Keys.UPLOAD, on_change=_on_upload,
                     help=f"At most {LIMITS.T} rows and {UPLOAD_CAP_BYTES // 1000} kB.")


def _on_inputs() -> None:
    kind = session.get(Keys.INPUT_KIND)
    if kind is None or kind == "custom":  # no kind picked yet (the seed changed first), or custom
        return
    state = session.current_state()
    seed = int(session.get(Keys.INPUT_SEED, 0))
    session.update_state(x=presets.make_inputs(kind, state.T, state.d, seed=seed))


def _on_paste() -> None:
    _load_inputs_text(session.get(Keys.PASTE, ""))


def _on_upload() -> None:
    upload = session.get(Keys.UPLOAD)
    if upload is None:
        return
    if upload.size > UPLOAD_CAP_BYTES:
        session.store_state(session.current_state(), [f"x: the file is {upload.size:,} bytes; the limit is "
                                                       f"{UPLOAD_CAP_BYTES:,}. Kept the current inputs."])
        return
    _load_inputs_text(upload.getvalue().decode("utf-8", errors="replace"))


def _load_inputs_text(text: str) -> None:
    state = session.current_state()
    x, warnings = presets.parse_inputs(text, state.d)
    if x is None:
        session.store_state(state, warnings)
        return
    new, more = validate_state(base=state, T=x.shape[0], x=x)
    session.store_state(new, warnings + more)


# --------------------------------------------------------------------------- stacked layers: which one to edit

def layer_picker(state: SimState) -> int:
    """The layer whose weights the sliders / grids edit (1..L); 1 without a stack."""
    if state.L == 1:
        return 1
    choices = list(range(1, state.L + 1))
    if session.get(Keys.EDIT_LAYER) not in choices:
        session.put(Keys.EDIT_LAYER, 1)
    st.segmented_control("Layer to edit", choices, key=Keys.EDIT_LAYER, required=True,
                         format_func=lambda layer: f"layer {layer}",
                         help="Layer 1 reads x_t and holds W_y; layer l reads layer l−1's h_t. "
                              "Set the number of layers under Sizes.")
    return int(session.get(Keys.EDIT_LAYER) or 1)


# --------------------------------------------------------------------------- the share box

def share_box(state: SimState) -> None:
    """The link as a short preview and a copy button; a network too large for a link offers its weights file."""
    query = session.state_query(state)
    if not session.shareable(query):
        messages.warn("This network is too large to share as a link that any server reopens (the link would be "
                      f"{len(session.query_text(query)):,} characters). Share the weights file instead: open it on "
                      "the PyTorch page's Load weights.", icon=":material/link_off:")
        st.download_button("Weights as JSON", weights_io.to_json(state), file_name="rnnviz-weights.json",
                           mime="application/json", key=Keys.SHARE_WEIGHTS, icon=":material/download:",
                           width="stretch")
        return
    link_box(session.share_url(state), "it opens this exact network, every layer included, on any page.")


def link_box(url: str, what: str) -> None:
    """A link as a one-line box with Streamlit's copy button and a short preview with its length (never a
    wall of digits); ``what`` says what it opens."""
    preview = url if len(url) <= 60 else url[:40] + " … " + url[-12:]
    st.code(url, language=None, wrap_lines=False, height=40)
    st.caption(f"{preview} — {len(url):,} characters. Copy it with the button at the right; {what}")
