"""The one look of every chart: palette, Plotly template, number and hover format, ``figure()``, colour bars.

Conventions (shared/design/visual-language.md): each quantity has one colour in ``COLORS`` on every page
(x slate, a amber, h blue, y green, targets gray dashed, gradients magenta); diverging heatmaps use
``DIVERGING`` (ColorBrewer RdBu reversed, positive red) with ``zmid=0`` on a symmetric range [-m, m]
(``symmetric_max``) with m on the colour bar (``colorbar``); time runs left to right; hover gives the exact
value with its name, e.g. ``h_2[1] = -0.0888``; ``decimals`` (4; 3 for "round like the lesson") only
changes how numbers are printed.  The neutrals below (ink, muted gray, fills) are the only other colours.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import diverging

COLORS = {"x": "#64748b", "pre": "#d97706", "h": "#2563eb", "y": "#059669", "target": "#9ca3af", "grad": "#c026d3"}
# Series that are not a quantity of the network (the lab's "current W_h" vs "rescaled", the sharing page's
# shared vs unshared counts): compared by these, never by a quantity's colour.  Index i is the i-th series of
# a chart, so the same series keeps its colour from one chart to the next.
SERIES = ("#374151", "#7c3aed", "#be123c", "#0e7490")
INK = "#111827"  # selection rings and outlines
MUTED = "#6b7280"  # reference lines, notes, the cells of the chain
CURVE = "#374151"  # curves that are not a quantity of the network: f(a), the loss
AXIS_LINE = "#d1d5db"  # axis and zero lines
FAINT_LINE = "#e5e7eb"  # zero lines on the phase portrait
CELL_FILL = "#f3f4f6"  # the chain's cells
WHITE = "white"  # marker outlines
BAND_FILL = "rgba(17, 24, 39, 0.07)"  # the selected step, behind lines
SATURATION_FILL = "rgba(156, 163, 175, 0.18)"  # where f' is (nearly) zero
TRAIN_FILL = "rgba(107, 114, 128, 0.12)"  # the training length: a light gray (not h's blue: it is not h)
LABEL_FILL = "rgba(255,255,255,0.8)"  # behind a note drawn over data
CLEAR = "rgba(0,0,0,0)"
NEUTRALS = (*SERIES, INK, MUTED, CURVE, AXIS_LINE, FAINT_LINE, CELL_FILL, WHITE, BAND_FILL, SATURATION_FILL, TRAIN_FILL,
            LABEL_FILL, CLEAR)

# ColorBrewer RdBu runs red -> blue; reversed, positive values are red.
DIVERGING = [[i / (len(diverging.RdBu) - 1), c] for i, c in enumerate(reversed(diverging.RdBu))]
TIME_BLUES = [[0, "#bfdbfe"], [1, "#1e3a8a"]]  # early -> late states (hidden blue), never as pale as the background
COLORSCALES = (DIVERGING, TIME_BLUES)
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"

TEMPLATE = go.layout.Template(
    layout=dict(
        paper_bgcolor="white", plot_bgcolor="white",
        font=dict(family="Inter, system-ui, -apple-system, Segoe UI, sans-serif", size=13, color="#1f2937"),
        margin=dict(l=60, r=24, t=78, b=48),
        # Title on the first line, legend on the second: long titles never run into the legend.
        title=dict(font=dict(size=15), x=0.01, xanchor="left", y=0.98, yanchor="top", yref="container"),
        # automargin: long tick labels (2×10⁻⁴, a right-hand accuracy axis) push the margin, never the title over them.
        # ticklabeloverflow "allow": plotly.js's default ("hide past div") measures every tick label once per label
        # on every redraw, 60 % of a live chart's drawing time on the school laptop (CPU profile, issue 10).
        xaxis=dict(gridcolor="#eef0f3", zeroline=False, linecolor=AXIS_LINE, ticks="outside", tickcolor=AXIS_LINE,
                   automargin=True, ticklabeloverflow="allow"),
        yaxis=dict(gridcolor="#eef0f3", zeroline=False, linecolor=AXIS_LINE, ticks="outside", tickcolor=AXIS_LINE,
                   automargin=True, ticklabeloverflow="allow"),
        hoverlabel=dict(font=dict(family=MONO, size=13), bgcolor="white"),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0, font=dict(size=13)),
        annotationdefaults=dict(font=dict(size=13)),
    )
)
MIN_FONT = 12  # px: the smallest text any chart draws (a projector at the back of a room needs it)
NOTE_FONT = 13  # px: subtitles, notes and annotations drawn over a chart


def fmt(value: float, decimals: int = 4) -> str:
    """A number as the pages print it: fixed decimals, no '-0.0000'."""
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def indexed(name: str, t, i: int, size: int) -> str:
    """h_2[1]; the [i] is dropped for scalars (x_2 when d = 1), as the lesson writes them."""
    return f"{name}_{t}" if size == 1 else f"{name}_{t}[{i}]"


def vector_hover(name: str, t, values, decimals: int, limit: int = 8) -> str:
    """Multi-line hover listing a vector's entries (first `limit`)."""
    lines = [f"{indexed(name, t, i + 1, len(values))} = {fmt(v, decimals)}" for i, v in enumerate(values[:limit])]
    if len(values) > limit:
        lines.append(f"… ({len(values) - limit} more)")
    return "<br>".join(lines)


def subtitle(title: str, note: str) -> str:
    """A title with a second, smaller line (still NOTE_FONT px: Plotly's <sup> would shrink it to ~10 px)."""
    return f"{title}<br><span style='font-size:{NOTE_FONT}px'>{note}</span>"


def log_axis(values=None, **extra) -> dict:
    """A log axis with one labelled tick per decade (10^k) -- or per few decades when the values span many --
    instead of Plotly's crowded 2 / 5 minor labels.  Values spanning less than a decade keep Plotly's ticks."""
    axis = dict(type="log", exponentformat="power", dtick=1)
    if values is not None:
        finite = np.asarray(values, dtype=np.float64)
        finite = finite[np.isfinite(finite) & (finite > 0)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (1.0, 1.0)
        span = np.log10(hi / lo)
        if finite.size and span < 1:  # less than a decade: ticks at 1, 2, 3, 5, 7 x 10^k, the range out to them
            grid = [m * 10.0 ** k for k in range(int(np.floor(np.log10(lo))) - 1, int(np.ceil(np.log10(hi))) + 1)
                    for m in (1, 2, 3, 5, 7)]
            below = max(v for v in grid if v <= lo * (1 + 1e-12))
            above = min(v for v in grid if v >= hi * (1 - 1e-12))
            ticks = [v for v in grid if below <= v <= above]
            axis.pop("dtick")
            axis.update(tickmode="array", tickvals=ticks, ticktext=[_power_label(v) for v in ticks],
                        range=[np.log10(below) - 0.02, np.log10(above) + 0.02])
        else:
            axis["dtick"] = max(1, int(np.ceil(span / 8)))  # at most ~8 labels
    return axis | extra


def _power_label(value: float) -> str:
    """2×10^-4 as Plotly's exponentformat="power" writes it (10^0 and 10^1 plainly)."""
    k = int(np.floor(np.log10(value) + 1e-9))
    m = round(value / 10.0 ** k)
    if k in (0, 1, -1):
        return f"{value:g}"
    head = "" if m == 1 else f"{m}×"
    return f"{head}10<sup>{k}</sup>".replace("<sup>-", "<sup>−")


def integer_axis(count: int, **extra) -> dict:
    """An axis of 1-based indices (rows, columns, units): whole numbers only (no 0.5 / 1.5 on a 16×1 map)."""
    every = count <= 12  # every index up to 12; beyond, Plotly's own whole-number steps (5, 10, ...)
    return dict(dtick=1 if every else None, tick0=1 if every else None, tickformat="d") | extra


# Plotly checks every property of a figure as it is built: two thirds of a figure's cost (the cell page's tanh
# curve: 7.0 ms checked, 2.7 ms not), paid again on every slider step.  The tests build every figure checked
# (an invalid property fails them) and hold the unchecked figures equal to the checked ones; the app skips it.
VALIDATE = "pytest" in sys.modules


def figure(data, title: str, **layout) -> go.Figure:
    """A figure in the house template; a "<br>" subtitle line gets room above the legend."""
    fig = go.Figure(data=data, layout=dict(template=TEMPLATE, title=dict(text=title), **layout),
                    _validate=VALIDATE)
    if "<br>" in title:  # a subtitle line: room for it above the legend, and the first line kept in view
        fig.update_layout(margin_t=(layout.get("margin") or {}).get("t", 78) + 22, title_y=0.99,
                          title_pad_t=14)
    return fig


def symmetric_max(values) -> float:
    """m for a symmetric [-m, m] colour range: the largest finite |value|, 1 when there is none or it is 0.

    NaN and ±inf are left out (an overflowed entry must not flatten every finite one to the middle colour;
    it is drawn at the end of the scale, zmin/zmax clip it).
    """
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    m = float(np.max(np.abs(finite))) if finite.size else 0.0
    return m if m > 0 else 1.0


def colorbar(m: float, title: str = "", **extra) -> dict:
    """The colour bar of a diverging [-m, m] heatmap: ticks at -m, 0 and m, m printed."""
    return dict(title=dict(text=title), thickness=12, len=0.9, tickvals=[-m, 0, m],
                ticktext=[f"-{m:.3g}", "0", f"{m:.3g}"], tickfont=dict(size=MIN_FONT),
                ticklabeloverflow="allow") | extra  # "allow": see TEMPLATE


def positive(values) -> np.ndarray:
    """Values for a log axis: zeros / negatives / non-finite become NaN (gaps), the rest unchanged."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def step_band(t: int, xref: str = "x", yref: str = "paper", outline: bool = False) -> dict:
    """The selected-step band on a time axis (shape "selected-step"): filled behind lines, outlined over heatmaps."""
    style = (dict(line=dict(color=INK, width=2), fillcolor=CLEAR, layer="above") if outline
             else dict(line=dict(width=0), fillcolor=BAND_FILL, layer="below"))
    return dict(type="rect", name="selected-step", xref=xref, yref=yref, x0=t - 0.5, x1=t + 0.5, y0=0, y1=1,
                **style)


def column_formats(table: pd.DataFrame, decimals: int = 4) -> dict:
    """How each float column of a table is printed (printf style): every number of a column with the same
    decimals (no 0.5 next to 0.4321), and a column of tiny values (all below 0.01) in scientific notation."""
    formats = {}
    for column in table.columns:
        values = table[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        finite = np.abs(values.to_numpy(dtype=np.float64))
        finite = finite[np.isfinite(finite) & (finite > 0)]
        formats[column] = "%.3e" if finite.size and finite.max() < 0.01 else f"%.{decimals}f"
    return formats


def table_view(table: pd.DataFrame, decimals: int = 4):
    """A table of numbers as the pages show it (a pandas Styler for st.dataframe; the data stay exact):
    ``column_formats``, and an empty cell, not "None", where there is no value (x, a, y at t = 0)."""
    formats = {column: (lambda v: "" if pd.isna(v) else f"{v:.3e}") if spec.endswith("e") else
               (lambda v, d=decimals: "" if pd.isna(v) else fmt(v, d))
               for column, spec in column_formats(table, decimals).items()}
    return table.style.format(formats)
