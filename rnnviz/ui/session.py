"""State <-> session <-> URL: the one place that names the session's keys and writes the address bar.

One rule keeps widgets and state from drifting apart: the ``SimState`` in session state is the truth.
Before a widget is drawn it is given the state's value, unless the browser holds that value already
(``sync_widget``); a widget change runs an ``on_change`` callback that builds a new, validated state.
The URL is written from the state on every run, and read back only when it carries a state this
session did not write (a shared link, a page link with query parameters).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from urllib.parse import urlsplit

import streamlit as st

from rnnviz import presets
from rnnviz.query import QUERY_KEYS, SAFE_LINK_CHARS, address_bar_length, from_query, query_text, to_query
from rnnviz.state import SimState, validate_state
from rnnviz.trained_link import TRAINED_KEY, trained_state
from rnnviz.ui import compat


class Keys:
    """Every st.session_state key rnnviz uses (widget keys included when code reads them back)."""

    # the simulator's state and what comes with it
    STATE = "rnnviz_state"
    WARNINGS = "rnnviz_warnings"
    WRITTEN_QUERY = "rnnviz_written_query"  # the queries this session wrote to the URL, newest last
    QUERY_OF = "rnnviz_query_of"  # (state, its query): to_query of the current state, computed once
    EDITOR_GEN = "rnnviz_editor_gen"  # bumped to redraw data editors from the state
    PAGE_VISIT = "rnnviz_page_visit"  # (page script hash, visit number): a new number each time a page is entered
    SYNCED = "rnnviz_synced"  # widget key -> (page, shape) it was last pushed to the browser for
    PRESET = "rnnviz_preset"  # the preset selectbox: a preset's name, or None for a network opened from a link
    ORIGIN = "rnnviz_origin"  # the state Reset returns to: the chosen preset's, or the link's
    TRAINED_ORIGIN = "rnnviz_trained_origin"  # (network at t=1, its trained= query) when a training link opened it
    ORIGIN_PRESET = "rnnviz_origin_preset"  # ORIGIN's preset name (None: a link's); not a widget key, so it
    # survives a page switch, which drops PRESET (the selectbox's key) and redraws the box on its first option
    # main-area controls of the simulator pages
    DECIMALS = "rnnviz_lesson_rounding"
    T = "rnnviz_t"
    PREV = "rnnviz_prev"
    NEXT = "rnnviz_next"
    LAYERS = "sim_layers"
    LAYERS_KEPT = "sim_layers_value"  # survives page switches (a widget's own key is dropped when not drawn)
    # sidebar widgets
    EDIT_LAYER = "rnnviz_edit_layer"  # the layer whose weights the sidebar edits
    SHARE_WEIGHTS = "rnnviz_share_weights"  # the share box's weights download (a network too large for a link)
    RESET = "rnnviz_reset"
    ACTIVATION = "rnnviz_act"
    KNOB_RHO = "rnnviz_knob_rho"
    KNOB_SEED = "rnnviz_knob_seed"
    INPUT_KIND = "rnnviz_input_kind"
    INPUT_SEED = "rnnviz_input_seed"
    PASTE = "rnnviz_paste"
    UPLOAD = "rnnviz_upload"
    # the PyTorch page
    WEIGHTS_UPLOAD = "pytorch_upload"
    WEIGHTS_RESULT = "pytorch_import_result"  # (ok, messages) of the last upload, shown once
    # the training page
    TRAINING = "training_session"
    GRADCHECK = "training_gradcheck"
    VIEW_LAYER = "tr_view_layer"  # the layer (1-based) the per-layer views show; defaults to the top layer
    VIEW_LAYER_OF = "tr_view_layer_of"  # the layer count VIEW_LAYER was chosen for
    FRAME_RATE = "tr_fps"
    TRAINING_PAGE_OUTDATED = "training_page_outdated"  # a run control changed more than the live view
    TRAINING_WRITTEN = "training_written_query"  # the training queries this session wrote, newest last
    TRAINING_LINK_READ = "training_link_read"  # set once the training page has read its URL in this session
    TRAINING_REPLAY = "training_replay"  # the update count an opened training link asks to replay
    TRAINING_LINK_WARNINGS = "training_link_warnings"  # [warnings, the settings they are shown for]

    @staticmethod
    def size(field: str) -> str:
        """The sidebar's number input for n, d, k or T."""
        return f"rnnviz_size_{field}"

    @staticmethod
    def entry(name: str, index: tuple[int, ...]) -> str:
        """The sidebar's slider for one entry of W_h, W_x, b, W_y, b_y, x or h0."""
        return f"rnnviz_{name}_" + "_".join(map(str, index))

    @staticmethod
    def editor(name: str) -> str:
        """The data editor of one array; a new key (so a fresh editor) whenever the state was replaced."""
        return f"rnnviz_editor_{name}_{st.session_state.get(Keys.EDITOR_GEN, 0)}"

    @staticmethod
    def knob(action: str) -> str:
        return f"rnnviz_knob_{action}"


WRITTEN_KEEP = 32
SIM_KEYS = QUERY_KEYS + (TRAINED_KEY,)  # the URL keys of a simulator network


# --------------------------------------------------------------------------- the state

def get_state() -> SimState:
    """The session's state; a URL that carries a state the app did not write replaces it."""
    incoming = _sim_query(st.query_params.to_dict())
    # A rerun the browser sent before our last URL write reached it carries an older query of ours:
    # that is not a shared link, and reading it would undo the change that triggered the rerun.
    written = st.session_state.get(Keys.WRITTEN_QUERY, [])
    if Keys.STATE not in st.session_state or (incoming and incoming not in written):
        state, warnings, trained = _linked_state()
        store_state(state, warnings)
        set_origin(state)
        st.session_state[Keys.TRAINED_ORIGIN] = (state.replace(t=1), trained) if trained else None
    return st.session_state[Keys.STATE]


def _linked_state() -> tuple[SimState, list[str], dict[str, str] | None]:
    """The URL's state, its warnings, and the ``trained=`` query it came from (None: the state's own fields)."""
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    value = st.query_params.get(TRAINED_KEY)
    if value is None:
        return (*from_query(query), None)
    state, warnings = _trained_state(value)
    rest = {key: values for key, values in query.items() if key != TRAINED_KEY}
    if state is None:
        fallback, more = from_query(rest)
        return fallback, warnings + more + ["Showing the network the rest of the link describes."], None
    step = _step_from_link(st.query_params.get("t"), state.T, warnings)
    return state.replace(t=step), warnings, {TRAINED_KEY: value}


def _step_from_link(text: str | None, T: int, warnings: list[str]) -> int:
    if text is None:
        return 1
    if text.strip().isdigit() and 1 <= int(text) <= T:
        return int(text)
    warnings.append(f"t: expected a whole number from 1 to {T}; showed step 1.")
    return 1


_TRAINED_CACHE: OrderedDict[str, tuple[SimState | None, list[str]]] = OrderedDict()
_TRAINED_LOCK = threading.Lock()
TRAINED_CACHE_SIZE = 16  # runs a server remembers: a class opening one teacher's link replays it once


def _trained_state(value: str) -> tuple[SimState | None, list[str]]:
    """``trained_state(value)`` with a progress bar, remembered for the next student who opens the same link."""
    with _TRAINED_LOCK:
        if value in _TRAINED_CACHE:
            _TRAINED_CACHE.move_to_end(value)
            state, warnings = _TRAINED_CACHE[value]
            return state, list(warnings)
    bar = st.progress(0.0, text="Replaying the training run this link names…")

    def progress(done: int, target: int) -> None:
        bar.progress(done / max(target, 1), text=f"Replaying the training run this link names: update {done} "
                                                  f"of {target}")

    result = trained_state(value, progress)
    bar.empty()
    with _TRAINED_LOCK:
        _TRAINED_CACHE[value] = result
        while len(_TRAINED_CACHE) > TRAINED_CACHE_SIZE:
            _TRAINED_CACHE.popitem(last=False)
    return result[0], list(result[1])


def current_state() -> SimState:
    """The state as it is now (in callbacks, after get_state ran once this session)."""
    return st.session_state[Keys.STATE]


def store_state(state: SimState, warnings: list[str] | None = None) -> None:
    """Replace the state (from a callback or a page action); the warnings replace the shown ones."""
    st.session_state[Keys.STATE] = state
    st.session_state[Keys.WARNINGS] = list(warnings or [])
    st.session_state[Keys.EDITOR_GEN] = st.session_state.get(Keys.EDITOR_GEN, 0) + 1


def update_state(**parts) -> None:
    """Validate edited parts against the current state and store the result with its warnings."""
    state, warnings = validate_state(base=current_state(), **parts)
    store_state(state, warnings)


def set_step(t: int) -> None:
    """Move to step t (clamped to 1..T); the warnings stay: stepping is not a fix of the link."""
    state = current_state()
    store_state(state.replace(t=int(min(max(t, 1), state.T))), warnings())


def warnings() -> list[str]:
    return st.session_state.get(Keys.WARNINGS, [])


def add_warning(message: str) -> None:
    st.session_state.setdefault(Keys.WARNINGS, []).append(message)


# --------------------------------------------------------------------------- where the network came from

def set_origin(state: SimState) -> None:
    """Remember where the network came from; a link that spells out a preset selects that preset."""
    st.session_state[Keys.ORIGIN] = state
    network = state.replace(t=1)  # the selected step is not part of a preset
    name = next((name for name in presets.PRESETS if presets.make_preset(name) == network), None)
    st.session_state[Keys.PRESET] = st.session_state[Keys.ORIGIN_PRESET] = name


def origin() -> SimState | None:
    return st.session_state.get(Keys.ORIGIN)


def edited(state: SimState) -> bool:
    """Whether the network differs from where it came from (Reset is offered); stepping t is not an edit."""
    source = origin()
    return source is None or state.replace(t=1) != source.replace(t=1)


def origin_preset() -> str | None:
    """The preset the network came from (None: a link)."""
    return st.session_state.get(Keys.ORIGIN_PRESET, st.session_state.get(Keys.PRESET))


def chosen_preset() -> str | None:
    """``origin_preset``, and the selectbox's key restored if a page switch dropped it: call before the box."""
    name = origin_preset()
    if st.session_state.get(Keys.PRESET) != name:
        st.session_state[Keys.PRESET] = name
    return name


# --------------------------------------------------------------------------- the URL

def _sim_query(query) -> dict[str, str]:
    return {key: query[key] for key in SIM_KEYS if key in query}


def state_query(state: SimState) -> dict[str, str]:
    """``to_query(state)``, computed once per state (the compact form tries every preset and generator); a
    network a training link opened, still unchanged, keeps that link (its name, not its numbers)."""
    cached = st.session_state.get(Keys.QUERY_OF)
    if cached is not None and cached[0] is state:
        return cached[1]
    trained = st.session_state.get(Keys.TRAINED_ORIGIN)
    if trained is not None and trained[0] == state.replace(t=1):
        query = {**trained[1], **({"t": str(state.t)} if state.t != 1 else {})}
        st.session_state[Keys.QUERY_OF] = (state, query)
        return query
    if cached is not None and cached[0].T == state.T and cached[0].replace(t=state.t) == state:
        query = {**cached[1], "t": str(state.t)}  # stepping t: the same network, found without a new search
    else:
        query = to_query(state, input_seed=int(st.session_state.get(Keys.INPUT_SEED) or 0))
    st.session_state[Keys.QUERY_OF] = (state, query)
    return query


def shareable(query: dict[str, str]) -> bool:
    """Whether a fresh server reopens this query (measured: docs/DEPLOY.md, tests/browser/test_link_limits.py)."""
    return address_bar_length(query) <= SAFE_LINK_CHARS


def write_url(state: SimState) -> None:
    """Mirror the state in the address bar so the link can be shared; a state too large for a link that a
    fresh server reopens leaves the address bar without a network (the share box says so)."""
    query = state_query(state)
    if not shareable(query):
        if _sim_query(st.query_params.to_dict()):
            for key in SIM_KEYS:
                st.query_params.pop(key, None)
        return
    written = [q for q in st.session_state.get(Keys.WRITTEN_QUERY, []) if q != query]
    st.session_state[Keys.WRITTEN_QUERY] = (written + [query])[-WRITTEN_KEEP:]
    if _sim_query(st.query_params.to_dict()) != query:
        st.query_params.from_dict(query)


def _page_url() -> str:
    try:
        return st.context.url or ""
    except Exception:  # st.context.url is missing outside a browser session
        return ""


def share_url(state: SimState, landing: bool = False) -> str:
    """The link that opens ``state``: on this page, or (``landing``) on the app's landing page at "/"."""
    return link(_page_url(), state_query(state), landing)


def link(page_url: str, query: dict[str, str], landing: bool = False) -> str:
    """``page_url`` (or the app's root, for ``landing``) with ``query``; relative ("./?...") when the host is
    unknown (no browser session, as in AppTest).  ``;`` and ``,`` stay unescaped so the link is readable
    (``:`` and ``*`` too: the compact forms)."""
    text = query_text(query)
    parts = urlsplit(page_url)
    if not parts.netloc:
        return f"./?{text}"
    path = parts.path.rsplit("/", 1)[0] + "/" if landing else parts.path
    return f"{parts.scheme}://{parts.netloc}{path}?{text}"


# --------------------------------------------------------------------------- a page's own URL fields

def page_share_url(query: dict[str, str], landing: bool = False) -> str:
    """The link that opens this page (or ``landing``: the landing page) with ``query``, built by ``link``."""
    return link(_page_url(), query, landing)


def write_page_query(query: dict[str, str], keys, written_key: str) -> None:
    """Write a page's own fields (``keys``; ``query`` holds the non-default ones) to the address bar, and
    remember it under ``written_key`` so a later rerun does not mistake it for a shared link."""
    written = [q for q in st.session_state.get(written_key, []) if q != query]
    st.session_state[written_key] = (written + [query])[-WRITTEN_KEEP:]
    current = st.query_params.to_dict()
    if {key: current[key] for key in keys if key in current} != query:
        st.query_params.from_dict(query)


def read_page_link(keys, written_key: str, read_key: str) -> dict[str, list[str]] | None:
    """A page's own fields of the URL (every value of each key) when they are to be read: on the page's first
    run in this session, or when the URL carries fields this session did not write (a link opened in it);
    None otherwise (the session's values win)."""
    incoming = {key: st.query_params.get_all(key) for key in keys if key in st.query_params}
    latest = {key: values[-1] for key, values in incoming.items()}
    first = read_key not in st.session_state
    st.session_state[read_key] = True
    if first or (latest and latest not in st.session_state.get(written_key, [])):
        return incoming
    return None


# --------------------------------------------------------------------------- widgets <-> state

def sync_widget(key: str, value, shape=()) -> None:
    """Give a widget the state's value, but only when the browser does not already hold it.

    Assigning st.session_state[key] makes Streamlit push the value to the browser (set_value), which
    snaps back a slider the user has already moved further while this run was in flight.  The value
    is pushed when it differs from the widget's, and whenever the widget is new to the browser: another
    page (widget ids are per page) or other parameters (``shape``: a slider's range).
    """
    mark = (compat.page_script_hash(), shape)
    synced = st.session_state.setdefault(Keys.SYNCED, {})
    if key not in st.session_state or st.session_state[key] != value or synced.get(key) != mark:
        st.session_state[key] = value
    synced[key] = mark


def enter_page() -> None:
    """Count visits to pages (every page's full run calls this): a view that is sent only what changed since
    its last frames starts over with everything on a new visit, where the browser mounts it afresh."""
    page_hash = compat.page_script_hash()
    last_hash, visit = st.session_state.get(Keys.PAGE_VISIT, (None, 0))
    if page_hash != last_hash:
        st.session_state[Keys.PAGE_VISIT] = (page_hash, visit + 1)


def page_visit() -> int:
    """The number of the current visit to a page (``enter_page``); 0 in an app without pages."""
    return st.session_state.get(Keys.PAGE_VISIT, (None, 0))[1]


def under_apptest() -> bool:
    """True under Streamlit's AppTest (no browser, and an element tree rebuilt from each run's messages)."""
    return "streamlit.testing.v1.app_test" in sys.modules


def get(key: str, default=None):
    """A session value: a widget's (in its callback) or one the app stored (a cached object, a result)."""
    return st.session_state.get(key, default)


def put(key: str, value) -> None:
    """Store a session value; for a widget key, before the widget is drawn (its value on this run)."""
    st.session_state[key] = value


def pop(key: str, default=None):
    return st.session_state.pop(key, default)
