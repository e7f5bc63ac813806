"""plotly.js for components that draw charts in the browser (live views), from the plotly Python package.

Never a CDN: the bundle is ``plotly/package_data/plotly.min.js`` of the installed plotly, the same
version the server's figures are built for.  It reaches the page once per session through a tiny
v2 component whose module is the bundle itself (v2 components run in the page, so the bundle's
``window.Plotly = Plotly`` makes it global); every later run skips that mount.

``LOADER_JS`` is a JS snippet for a component's module: it defines ``loadPlotly()``, a Promise of
``window.Plotly`` that resolves as soon as the bundle has run.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import plotly
import streamlit as st
from streamlit.components.v1 import declare_component

from rnnviz.ui import session

PLOTLY_JS_PATH = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
_SHIPPED = "rnnviz_plotly_js_shipped"

LOADER_JS = """
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__rnnvizPlotlyPromise) {
    window.__rnnvizPlotlyPromise = new Promise((resolve) => {
      const poll = () => (window.Plotly ? resolve(window.Plotly) : setTimeout(poll, 20));
      poll();
    });
  }
  return window.__rnnvizPlotlyPromise;
}
"""


@cache
def _component():
    source = PLOTLY_JS_PATH.read_text(encoding="utf-8")
    # The bundle is UMD; as a module it runs with `self` as root and ends with window.Plotly = Plotly.
    js = source + "\nexport default function () {}\n"
    return st.components.v2.component("rnnviz_plotly_js", js=js, isolate_styles=False)


def ensure_loaded() -> None:
    """Send plotly.js to this browser session, once (call before mounting a component that draws charts)."""
    if session.get(_SHIPPED):
        return
    session.put(_SHIPPED, True)
    _component()(key="rnnviz_plotly_js", height=0)


# The training page's live views load the bundle as a script from Streamlit's component file route instead
# (``serve_plotly_js``: the plotly package's folder, cached by the browser); either way there is one window.Plotly.
NAME = "plotly_js"
ROUTE_NAME = f"{__name__}.{NAME}"  # declare_component prefixes the declaring module's name
SCRIPT_PATH = f"component/{ROUTE_NAME}/plotly.min.js"  # relative to the app's base URL
SCRIPT_LOADER_JS = """
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__rnnvizPlotlyPromise) {
    window.__rnnvizPlotlyPromise = new Promise((resolve, reject) => {
      // Relative to the page's directory, so a server.baseUrlPath and multipage URLs both work.
      const base = window.location.pathname.replace(/[^/]*$/, "");
      const script = document.createElement("script");
      script.src = base + "%s";
      script.async = true;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js did not load")));
      script.onerror = () => {
        window.__rnnvizPlotlyPromise = null;  // a later mount may retry
        reject(new Error("could not fetch " + script.src));
      };
      document.head.appendChild(script);
    });
  }
  return window.__rnnvizPlotlyPromise;
}
""" % SCRIPT_PATH


def serve_plotly_js() -> None:
    """Make ``SCRIPT_PATH`` reachable (idempotent; registration needs a script run, so call it in one)."""
    declare_component(NAME, path=str(PLOTLY_JS_PATH.parent))
