"""Live drag: sliders whose views follow the thumb while it moves (issue 11), as Streamlit v2 components.

Two components, mounted in the page itself (v2 components are not iframes), talk through DOM events:

* ``live_slider``: one number of the network (a W_x, W_h, b, W_y, b_y, x or h_0 entry).  While it moves
  it dispatches ``rnnviz:drag`` events on ``window``; on release it sends the value to Python like a
  widget (``on_change`` runs, the value goes to SimState, the URL and every page).
* ``live_figure`` / ``live_html``: a Plotly figure or an HTML block built by the server from the engine's
  numbers, plus the settled network and bindings (``rnnviz.live_state``).  On a drag event it runs
  ``rnnviz/forward.js`` (the mirror of ``rnnviz.engine.forward``) and redraws in place: the text of the bound
  spans, or a chart's moving traces alone, in a bare chart over the settled one (view.js, drawMoving).  The
  next server run replaces the preview with the engine's numbers.

Keyboard (arrows, Home/End, PageUp/PageDown) and touch work through the native range input; a held key
previews every step and commits on key up.

* ``drag_bridge``: makes Streamlit's own ``st.slider`` widgets live instead: it watches their thumbs
  (by label) and re-announces every value they pass as the same ``rnnviz:drag`` event.  The sidebar
  keeps its native sliders (keys, keyboard, the value -> SimState -> URL flow all unchanged).

Under AppTest (no browser) the views fall back to the ``st.plotly_chart`` / ``st.markdown`` they stand
for, with the same keys, so the page tests read the same figures.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import streamlit as st

from rnnviz import live_state
from rnnviz.ui import plotly_js, session

ASSETS = Path(__file__).with_name("live_drag_assets")
FORWARD_JS = Path(__file__).resolve().parents[1] / "forward.js"


def _read(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


@cache
def _slider_component():
    return st.components.v2.component("rnnviz_live_slider", js=_read("slider.js"), css=_read("style.css"),
                                      isolate_styles=False)


@cache
def _view_component():
    js = FORWARD_JS.read_text(encoding="utf-8") + "\n" + plotly_js.LOADER_JS + "\n" + _read("view.js")
    return st.components.v2.component("rnnviz_live_view", js=js, css=_read("style.css"), isolate_styles=False)


@cache
def _bridge_component():
    return st.components.v2.component("rnnviz_drag_bridge", js=_read("bridge.js"), isolate_styles=False)


def _plain_elements() -> bool:
    """True under AppTest: v2 components need a browser, so views are drawn as the elements they replace."""
    return session.under_apptest()


def committed_value(key: str, default: float | None = None) -> float | None:
    """The value a live slider last sent (in an on_change callback: the new value)."""
    state = session.get(key)
    if state is None:
        return default
    value = state.get("value") if hasattr(state, "get") else None
    return default if value is None else float(value)


def live_slider(label: str, target: dict, value: float, min_value: float, max_value: float, *, key: str,
                step: float = 0.01, decimals: int = 2, on_change: Callable | None = None, args: tuple = (),
                help: str | None = None, disabled: bool = False) -> float:
    """A slider for one network entry (``live_state.entry_target``); returns the value shown (``value``).

    ``on_change(*args)`` runs when a new value is released; read it with ``committed_value(key)``.
    ``value`` always comes from the caller (SimState): the slider shows it unless the thumb is moving.
    """
    data = {"label": label, "target": target, "value": float(value), "min": float(min_value),
            "max": float(max_value), "step": float(step), "decimals": int(decimals), "help": help,
            "disabled": bool(disabled)}
    callback = (lambda: on_change(*args)) if on_change else (lambda: None)
    _slider_component()(data=data, default={"value": float(value)}, key=key, on_value_change=callback)
    return float(value)


def live_figure(fig, net: dict | None = None, bindings: list[dict] | None = None, *, key: str, live: bool = True,
                config: dict | None = None, frames: dict | None = None, moving: list[int] | None = None) -> None:
    """A Plotly figure that follows drags; ``fig`` is the server's settled figure.

    Network sliders: ``net`` + ``bindings`` (forward.js recomputes).  A knob: ``frames``
    (``live_state.frames_payload`` plus "settled": the knob's committed value as its key, and "id": a name
    for these patches that changes with them; the browser keeps them by id, see ``_ship_once``).
    ``moving``: the traces a preview redraws by themselves over the settled chart (view.js, drawMoving): the
    bound traces (the default) and any drawn over them, e.g. ``live_state.CHAIN_MOVING``."""
    bound = {b["trace"] for b in bindings or () if "trace" in b}
    if moving is not None and not bound <= set(moving):
        raise ValueError(f"moving traces {moving} leave out bound traces {sorted(bound - set(moving))}")
    if _plain_elements():
        st.plotly_chart(fig, width="stretch", key=key, config=config)
        return
    plotly_js.ensure_loaded()
    data = {"figure": fig.to_json(), "net": net, "bindings": bindings, "live": bool(live and net is not None),
            "config": config or {}, "frames": None if frames is None else _ship_once(frames),
            "moving": sorted(bound if moving is None else moving) or None}
    asks = {} if frames is None else {"on_frames_missing_change": _resend_frames}  # a knob's view may ask
    _view_component()(data=data, key=key, **asks)


# A knob's patches (the lab's ρ: ~120 kB for its two views) do not change when the knob moves, only their
# "settled" key does: each is sent once per browser tab, which keeps it by id (view.js), not with every rerun.
# A tab that lacks them (a reload keeps no page state) says so, and the next run sends them again.
FRAMES_SENT = "rnnviz_live_frames_sent"
FRAMES_KEEP = 16  # ids remembered per session, as many as the browser keeps


def _ship_once(frames: dict) -> dict:
    """``frames`` as sent to the browser: with its patches the first time in this session, by id after that."""
    sent = list(session.get(FRAMES_SENT, ()))
    if frames["id"] in sent:
        return {name: value for name, value in frames.items() if name != "patches"}
    session.put(FRAMES_SENT, tuple((sent + [frames["id"]])[-FRAMES_KEEP:]))
    return frames


def _resend_frames() -> None:
    """A view's callback: the browser has no patches for the id it was sent.  A tab that lost one has lost them
    all (a reload): the next run sends every view's again, in one run rather than one per view."""
    session.put(FRAMES_SENT, ())


def live_html(html: str, net: dict, bindings: list[dict], *, key: str, live: bool = True) -> None:
    """HTML whose ``<span data-live=ID>`` numbers follow drags through ``bindings`` (span = ID)."""
    if _plain_elements():
        st.html(html)
        return
    _view_component()(data={"html": html, "net": net, "bindings": bindings, "live": bool(live)}, key=key)


def _katex_path() -> str | None:
    """The KaTeX module Streamlit serves for st.latex (static/js/katex.<hash>.js), or None if this Streamlit has
    none: a live derivation is drawn with it, the same KaTeX as the page's other equations."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("katex.*.js"))
    return f"static/js/{found[0].name}" if found else None


def live_latex(lines: list[str], template: tuple[list[str], list[dict]], net: dict, *, key: str, decimals: int,
               live: bool = True) -> None:
    """LaTeX lines (``st.latex`` each, settled) whose numbers follow drags: ``template`` is
    ``latex.derivation_template``'s (lines with @k@ per number, slots), filled in the browser from the forward
    pass while a slider moves (view.js, fillTemplate)."""
    katex = _katex_path()
    if _plain_elements() or katex is None:
        for line in lines:
            st.latex(line)
        return
    templates, slots = template
    data = {"latex": {"lines": lines, "templates": templates, "slots": slots, "decimals": int(decimals),
                      "katex": katex}, "net": net, "bindings": [], "live": bool(live)}
    _view_component()(data=data, key=key)


def drag_bridge(entries: dict[str, tuple[str, tuple[int, ...], float]], *, knobs: dict | None = None,
                key: str = "rnnviz_drag_bridge") -> None:
    """Announce drags of native st.slider widgets: ``entries`` maps a slider's label to (name, index, value)
    of the network entry it edits (0-based index, value = the settled value); ``knobs`` maps a label to
    (knob name, value) for sliders whose views show precomputed frames.  One bridge per page."""
    if _plain_elements():
        return
    targets = {label: live_state.entry_target(name, index) for label, (name, index, _) in entries.items()}
    values = {label: float(value) for label, (_, _, value) in entries.items()}
    for label, (name, value) in (knobs or {}).items():
        targets[label], values[label] = live_state.knob_target(name), float(value)
    _bridge_component()(data={"targets": targets, "values": values}, key=key, height=0)


def state_network(state, layers=None, h0s=None) -> dict:
    """The network payload of a SimState (optionally a stack of layers, layer 0 = the state's params)."""
    layers = [state.params] if layers is None else list(layers)
    if h0s is None:
        h0s = [state.h0] + [np.zeros(p.n) for p in layers[1:]]
    return live_state.network_payload(layers, state.x, h0s)


def release_caption(state) -> bool:
    """Whether views follow drags for this state; if not, say on the page that they update on release."""
    live = live_state.live_enabled(state.n, state.T)
    if not live:
        st.caption(live_state.release_note())
    return live


def live_page(state, layers=None, h0s=None) -> tuple[dict, bool]:
    """Make a simulator page live: the sidebar's sliders announce drags; returns (network payload, live).

    When the network is too large to follow a drag (``live_state.live_enabled``), says so on the page.
    """
    drag_bridge(live_state.bridge_entries(state.params, state.x, state.h0))
    return state_network(state, layers, h0s), release_caption(state)


# --------------------------------------------------------------------------- previews prepared off the script thread

_PREPARER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rnnviz-live-prepare")
_PREPARED: OrderedDict = OrderedDict()  # key -> Future, newest last
_PREPARED_KEEP = 32


def prepared(key: str, fn: Callable, *args):
    """fn(*args) computed on a background thread, once per key: its result when ready, else None (started).

    For previews that cost more than a rerun should (the lab's ρ frames): the page ships them from the run
    after they are ready; until then the view simply updates on release.  fn must not call streamlit.
    """
    future = _PREPARED.get(key)
    if future is None:
        _PREPARED[key] = _PREPARER.submit(fn, *args)
        while len(_PREPARED) > _PREPARED_KEEP:
            _PREPARED.popitem(last=False)
        return None
    _PREPARED.move_to_end(key)
    if not future.done() or future.exception() is not None:
        return None
    return future.result()


def array_key(*parts) -> str:
    """A cache key for arrays and plain values (content, shape and dtype)."""
    digest = hashlib.sha1()
    for part in parts:
        arr = np.asarray(part)
        digest.update(f"{arr.dtype}{arr.shape}".encode())
        digest.update(arr.tobytes() if arr.dtype != object else repr(part).encode())
    return digest.hexdigest()
