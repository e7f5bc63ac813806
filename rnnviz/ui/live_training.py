"""The training page's live charts: created once in the browser, then updated in place frame after frame.

    live_view(session, layer, key="tr_live", notes={...})   # in the playing fragment
    live_figure(fig, key="lab_fig_jac")   # any one figure that follows a slider, updated in place

A custom component (``st.components.v2``, mounted in the page, no iframe) holds the metrics row and the ten
live Plotly charts (loss, ρ(W_h), ‖∂L/∂h_t‖, predictions, gradient and weight heatmaps).  The first frame of a
view is "full" (every figure, built by the same builders as the static charts); while playing, each frame is a
"delta" (``rnnviz.live_payload``): points appended (Plotly.extendTraces), the latest lines and matrices
replaced (Plotly.restyle), all in one animation frame -- no chart is ever hidden or re-created.  Charts
scrolled out of view are brought up to date (Plotly.react) only when they scroll back in (IntersectionObserver).
A delta repeats the points of the last OVERLAP frames, so a browser that rendered only the last of several quick
updates still continues; one that lacks more (a fresh mount) asks for a full frame with the ``resync`` trigger.

The code is ``assets/*.js``, served once (Streamlit's component file route, like plotly.js in
``rnnviz.ui.plotly_js``) and imported by a few lines of inline JS: each frame's message carries only data.
The browser keeps counters for tests and benchmarks: ``window.__rnnvizLive[key]`` = {step, frames (redraws
that showed a new update), creates (charts created), reacts, updates, resyncs, drawMs, msByChart}.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st
from streamlit.components.v1 import declare_component

from rnnviz.live_payload import LIVE_CHARTS, encode, jsonable, live_frame, run_key
from rnnviz.training import TrainingSession
from rnnviz.ui import session as ui_session
from rnnviz.ui.plotly_js import SCRIPT_LOADER_JS, serve_plotly_js

SENT = "__sent"  # session value named after the view's key: (run, [updates of the last frames sent], page visit)
OVERLAP = 3  # a delta's points start at the update of the 3rd-last frame sent: up to 2 frames may go unseen

ASSETS = Path(__file__).parent / "assets"
ASSETS_NAME = "assets"  # served at component/rnnviz.ui.live_training.assets/...

# The inline part only imports the module (cached by the browser; the query string changes with its content).
LOADER = SCRIPT_LOADER_JS + """
export default async function (component) {
  // Resolved against the page (this code runs from a blob: URL), so baseUrlPath and page URLs both work.
  const view = await import(new URL("%s", window.location.href).href);
  return view.default(component, loadPlotly);
}
"""


def module_loader(module: str) -> str:
    """The inline JS of a component whose code is ``assets/<module>`` (imported once per page)."""
    digest = hashlib.sha1((ASSETS / module).read_bytes()).hexdigest()[:10]
    return LOADER % f"component/{__name__}.{ASSETS_NAME}/{module}?v={digest}"


def serve_assets() -> None:
    """Make ``assets/`` and plotly.js reachable (idempotent; needs a script run, so call it in one)."""
    serve_plotly_js()
    declare_component(ASSETS_NAME, path=str(ASSETS))


_COMPONENT = st.components.v2.component("rnnviz_live_training", js=module_loader("live_training.js"),
                                        isolate_styles=False)


_FIGURE = st.components.v2.component("rnnviz_live_figure", js=module_loader("live_figure.js"), isolate_styles=False)


def live_figure(figure, key: str) -> None:
    """A Plotly figure updated in place (Plotly.react) when it changes, instead of re-created and blanked as
    ``st.plotly_chart`` does (its element identity includes the figure).  For charts that follow a slider."""
    serve_assets()
    _FIGURE(key=key, data=encode(jsonable(figure.to_plotly_json())))


def _ask_full(key: str) -> None:
    ui_session.pop(key + SENT)


def live_view(session: TrainingSession, layer: int, key: str = "tr_live", notes: dict | None = None) -> None:
    """Mount or update the live view of `session` (layer: 0-based, the layer the heatmaps show).

    Only what changed since the frames this view was last sent goes to the browser -- playing or not: the
    paused page's frame after Pause or +1 is as small and as quick to draw as a playing one.  A full frame (every
    figure) goes to a view that cannot hold those frames: the first on this visit to the page, another run or
    layer, an update before the last one sent (Reset), or a view that asks (``resync``: it missed too many).
    notes: {chart name or "matrices"/"matrices_title": text}.
    """
    serve_assets()
    run, visit = run_key(session, layer), ui_session.page_visit()
    steps = session.trainer.steps_done
    sent_run, sent, sent_visit = ui_session.get(key + SENT) or (None, [], None)
    since = None
    if (sent_run, sent_visit) == (run, visit) and sent and sent[-1] <= steps:
        since = sent[0]
    frame = live_frame(session, layer, since, notes)
    _COMPONENT(key=key, data=encode(frame), on_resync_change=lambda: _ask_full(key))
    kept = sent if since is not None else []
    ui_session.put(key + SENT, (run, (kept + [steps])[-OVERLAP:], visit))


__all__ = ["LIVE_CHARTS", "live_figure", "live_view"]
