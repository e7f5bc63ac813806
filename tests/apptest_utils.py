"""Helpers for the AppTest tests of the simulator pages (and benchmarks/bench_pages.py).

AppTest (Streamlit 1.67) re-executes only the current page file after the first run, so every page draws
the shared sidebar itself; a test opens ``app.py`` (the landing page, cell) and switches page from there.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SIM_PAGES = ("pages/cell.py", "pages/chain.py", "pages/heatmaps.py", "pages/phase.py")
LANDING = "pages/cell.py"

# A 3-unit relu network with an output layer (k = 2), t in the middle of T = 4.
RELU_K2_QUERY = {
    "n": "3", "d": "1", "k": "2", "act": "relu",
    "Wh": "0.5,-0.2,0.1;0.3,0.4,-0.6;0.05,0.2,0.7", "Wx": "1;-0.5;0.25", "b": "0.1,0,-0.1",
    "Wy": "1,-1,0.5;0.2,0.3,-0.4", "by": "0.05,-0.05", "x": "1;0.5;-1;2", "h0": "0,0.1,0", "t": "3",
}


def open_app(page: str = LANDING, query: dict | None = None, timeout: float = 60) -> AppTest:
    """A fresh session opened with ``query`` in the URL, showing ``page`` (run, not yet checked)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if query:
        at.query_params.update(query)
    at.run()
    if page != LANDING:
        at.switch_page(page).run()
    return at


def decode(value) -> np.ndarray:
    """A Plotly JSON array: a plain list (None -> NaN) or a typed array ``{"dtype", "bdata"[, "shape"]}``."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            arr = arr.reshape([int(s) for s in str(value["shape"]).split(",")])
        return arr.astype(np.float64)
    if isinstance(value, list) and value and isinstance(value[0], list):
        return np.array([decode(row) for row in value])
    return np.array([np.nan if v is None else v for v in value], dtype=float)


def charts(at: AppTest) -> dict[str, dict]:
    """Every Plotly chart of the page as {key: spec}; the key is the one the page passed to st.plotly_chart
    or to ``rnnviz.ui.live_training.live_figure`` (a component whose data is the figure)."""
    out = {}
    for element in at.get("plotly_chart"):
        key = element.proto.id.rsplit("-", 1)[-1]
        out[key] = json.loads(element.proto.spec)
    for element in at.get("bidi_component"):
        if element.proto.WhichOneof("data") == "bytes":
            data = json.loads(element.proto.bytes)
            if isinstance(data, dict) and {"data", "layout"} <= set(data):
                out[element.proto.id.rsplit("-", 1)[-1]] = data
    return out


def chart(at: AppTest, key: str) -> dict:
    found = charts(at)
    if key not in found:
        raise AssertionError(f"no chart with key {key!r}; have {sorted(found)}")
    return found[key]


def trace_named(spec: dict, name: str) -> dict:
    for tr in spec["data"]:
        if tr.get("name") == name:
            return tr
    raise AssertionError(f"no trace named {name!r}; have {[tr.get('name') for tr in spec['data']]}")


_BMATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.S)


def bmatrices(line: str) -> list[list[str]]:
    """The entries of every bmatrix in a LaTeX line, as printed (rows split by \\\\, entries by &)."""
    out = []
    for body in _BMATRIX.findall(line):
        out.append([cell.strip() for row in body.split(r"\\") for cell in row.split("&")])
    return out


def latex_lines(at: AppTest) -> list[str]:
    return [element.value for element in at.latex]


def h_line(at: AppTest, t: int) -> str:
    """The derivation's line h_t = f(a_t) = [...]."""
    head = "{h_{" + str(t) + "}}} = "
    lines = [line for line in latex_lines(at) if head in line and ("tanh" in line or "relu" in line)
             and line.strip("$\n ").startswith("{\\color")]
    if len(lines) != 1:
        raise AssertionError(f"expected one h_{t} line, got {len(lines)}: {latex_lines(at)}")
    return lines[0]


def shown_h(at: AppTest, t: int) -> list[str]:
    """The numbers the cell page prints for h_t (the last bmatrix of its line)."""
    return bmatrices(h_line(at, t))[-1]


def shown_pre(at: AppTest, t: int) -> list[str]:
    """The numbers the cell page prints for a_t (the bmatrix inside f(...))."""
    return bmatrices(h_line(at, t))[0]


def fmt(value: float, decimals: int = 4) -> str:
    """How the pages print a number (independent copy of rnnviz.figures.fmt: fixed decimals, no -0.0000)."""
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def chain_h(spec: dict) -> dict[int, np.ndarray]:
    """{s: h_s as drawn} from the chain figure's h boxes (a heatmap; columns every other, units flipped)."""
    boxes = trace_named(spec, "h_t")
    z = decode(boxes["z"])[::-1]  # unit 1 back on row 0
    text = boxes["text"][::-1]
    out = {}
    for j in range(0, z.shape[1], 2):
        label = text[0][j]
        s = int(re.match(r"h_(\d+)\[1\]", label).group(1))
        out[s] = z[:, j]
    return out


def chain_h_text(spec: dict) -> dict[int, list[str]]:
    """{s: hover texts of h_s} from the chain figure."""
    boxes = trace_named(spec, "h_t")
    text = boxes["text"][::-1]
    out = {}
    for j in range(0, len(text[0]), 2):
        s = int(re.match(r"h_(\d+)\[1\]", text[0][j]).group(1))
        out[s] = [row[j] for row in text]
    return out


def shown(body: str) -> str:
    """What a reader sees of a message's markdown body: backslash escapes resolved, invisible word joiners gone.

    Messages show user-derived text escaped (rnnviz/ui/messages.py, rnnviz/text.py), so tests read them so.
    """
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", body).replace("\u2060", "")


def warnings_shown(at: AppTest) -> list[str]:
    return [shown(element.value) for element in at.warning]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
