"""plotly.js for custom components, from the plotly Python package (never a CDN), loaded once per page.

    from rnnviz.ui.plotly_js import LOADER_JS, serve_plotly_js
    serve_plotly_js()                      # in the script run, before mounting the component
    JS = LOADER_JS + "export default function (c) { loadPlotly().then((Plotly) => ...); }"

``serve_plotly_js`` registers the package's ``package_data`` folder with Streamlit's component file route
(``/component/<name>/...``, the one ``st.components.v1.declare_component(path=...)`` serves), so the browser
fetches ``plotly.min.js`` from this server and caches it.  ``LOADER_JS`` defines ``loadPlotly()``: a Promise of
``window.Plotly`` shared by every component on the page, so the 4.8 MB script is requested and parsed once.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from streamlit.components.v1 import declare_component

PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"
NAME = "plotly_js"
ROUTE_NAME = f"{__name__}.{NAME}"  # declare_component prefixes the declaring module's name
SCRIPT_PATH = f"component/{ROUTE_NAME}/plotly.min.js"  # relative to the app's base URL

LOADER_JS = """
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
    declare_component(NAME, path=str(PLOTLY_DIR))
