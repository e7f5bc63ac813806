"""The vanishing / exploding lab's charts and their tables (no streamlit).

    jacobian_figure(curves)                    ||dh_T/dh_t|| against T - t on a log axis
    eigenvalue_figure(sets)                    eigenvalues of W_h on the complex plane, unit circle
    clipping_figure(runs, clip)                gradient norms over a run with / without clipping
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.figures.style import (
    AXIS_LINE,
    COLORS,
    DASHES,
    MUTED,
    SERIES,
    WHITE,
    figure,
    integer_axis,
    log_axis,
    positive,
    subtitle,
)

# Curve / eigenvalue set i: the same colour in the Jacobian and the eigenvalue chart ("current W_h" is
# SERIES[0] in both), from the series colours: a matrix's label is not a quantity like h or a.
JACOBIAN_STYLES = tuple({"color": SERIES[i], "dash": DASHES[i]} for i in range(len(SERIES)))


def jacobian_figure(curves, title: str = "‖∂h_T/∂h_t‖<br><span style='font-size:13px'>how much of a change at step t "
                                        "reaches step T</span>") -> go.Figure:
    """curves: [(label, norms)] with norms (T+1,) for t = 0..T (``analysis.jacobian_norms``), plotted
    against T − t on a log axis (x = 0 is h_T itself).  Curve i is styled JACOBIAN_STYLES[i]."""
    data, shown = [], []
    for i, (label, norms) in enumerate(curves):
        norms = np.asarray(norms, dtype=np.float64)
        T = len(norms) - 1
        back = T - np.arange(T + 1)
        style = JACOBIAN_STYLES[i % len(JACOBIAN_STYLES)]
        shown.append(positive(norms))
        data.append(go.Scatter(x=back[::-1], y=positive(norms)[::-1], mode="lines+markers" if T <= 80 else "lines",
                               name=label, line=dict(width=2, **style), marker=dict(size=5),
                               hovertemplate=f"{label}: ‖∂h_T/∂h_t‖ at T−t = %{{x}} is %{{y:.4e}}<extra></extra>"))
    return figure(data, title, height=360, xaxis=dict(title=dict(text="T − t (steps back in time)")),
                   yaxis=log_axis(np.concatenate(shown) if shown else None,
                                  title=dict(text="‖∂h_T/∂h_t‖ (spectral norm)")))


def jacobian_table(curves) -> pd.DataFrame:
    cols = {}
    T = 0
    for label, norms in curves:
        norms = np.asarray(norms, dtype=np.float64)
        T = max(T, len(norms) - 1)
        cols[label] = norms[::-1]
    return pd.DataFrame(cols, index=pd.Index(np.arange(T + 1), name="T − t"))


def eigenvalue_figure(sets) -> go.Figure:
    """sets: [(label, eigenvalues (complex))]; the unit circle |λ| = 1 (gray) splits decay from growth."""
    angle = np.linspace(0, 2 * np.pi, 241)
    data = [go.Scatter(x=np.cos(angle), y=np.sin(angle), mode="lines", name="|λ| = 1",
                       line=dict(color=MUTED, width=1, dash="dot"), hoverinfo="skip")]
    symbols = ("circle", "x", "diamond", "square")
    for i, (label, lam) in enumerate(sets):
        lam = np.asarray(lam, dtype=complex)
        text = [f"{label}: λ = {z.real:.4f} {'+' if z.imag >= 0 else '−'} {abs(z.imag):.4f}i, |λ| = {abs(z):.4f}"
                for z in lam]
        data.append(go.Scatter(x=lam.real, y=lam.imag, mode="markers", name=label, text=text,
                               marker=dict(color=SERIES[i % len(SERIES)], size=10, symbol=symbols[i % 4],
                                           line=dict(width=1, color=WHITE)),
                               hovertemplate="%{text}<extra></extra>"))
    reach = eigenvalue_reach(*(lam for _, lam in sets))
    return figure(data, "Eigenvalues of W_h on the complex plane", height=380,
                   xaxis=dict(title=dict(text="Re λ"), range=[-reach, reach], zeroline=True,
                              zerolinecolor=AXIS_LINE),
                   yaxis=dict(title=dict(text="Im λ"), range=[-reach, reach], scaleanchor="x", scaleratio=1,
                              zeroline=True, zerolinecolor=AXIS_LINE))


# The plane's half-width is the first of these steps (x 10^k) past 1.1 max |λ|: the axes stay put while the
# eigenvalues move inside a step, so a ρ drag redraws only its moving points there (the live view splits them).
REACH_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def eigenvalue_reach(*sets) -> float:
    """Half-width of the eigenvalue plane for these sets of eigenvalues: at least 1.2 (the unit circle and
    some room), else the first REACH_STEPS step (x 10^k) at or past 1.1 max |λ| (non-finite ones ignored)."""
    sizes = [np.abs(np.asarray(lam, dtype=complex)).ravel() for lam in sets]
    sizes = np.concatenate(sizes) if sizes else np.zeros(0)
    sizes = sizes[np.isfinite(sizes)]
    need = 1.1 * float(sizes.max()) if sizes.size else 0.0
    if need <= 1.2:
        return 1.2
    scale = 10.0 ** np.floor(np.log10(need))
    return next(step * scale for step in REACH_STEPS if step * scale >= need * (1 - 1e-12))


def eigenvalue_table(sets) -> pd.DataFrame:
    rows = []
    for label, lam in sets:
        for i, z in enumerate(np.asarray(lam, dtype=complex)):
            rows.append({"matrix": label, "i": i + 1, "Re λ": z.real, "Im λ": z.imag, "|λ|": abs(z)})
    return pd.DataFrame(rows)


def clipping_figure(runs, clip: float) -> go.Figure:
    """runs: [(label, history)] from Trainer.history; the global gradient norm before clipping per update on
    a log axis (magenta: clipping off solid, on dashed) with the threshold as a dotted line."""
    data, shown = [], []
    for i, (label, history) in enumerate(runs):
        g = np.asarray(history["grad_norm"], dtype=np.float64)
        shown.append(positive(g))
        data.append(go.Scatter(x=np.arange(1, len(g) + 1), y=positive(g), mode="lines", name=label,
                               line=dict(color=COLORS["grad"], width=2, dash=("solid", "dash", "dot")[i % 3]),
                               hovertemplate=f"{label}: gradient norm at update %{{x}} = %{{y:.4e}}<extra></extra>"))
    fig = figure(data, subtitle("Gradient norm per update", "with and without clipping"), height=340,
                  xaxis=integer_axis(max((len(h["grad_norm"]) for _, h in runs), default=0),
                                     title=dict(text="update")),
                  yaxis=log_axis(np.concatenate(shown + [[clip]]), title=dict(text="‖gradient‖ (before clipping)")))
    fig.add_hline(y=clip, line=dict(color=MUTED, dash="dot", width=1), name="clip-threshold",
                  annotation_text=f"clip = {clip:g}", annotation_position="top left")
    return fig


def clipping_table(runs) -> pd.DataFrame:
    cols = {}
    length = max((len(h["loss"]) for _, h in runs), default=0)
    for label, history in runs:
        for key in ("loss", "grad_norm"):
            values = np.full(length, np.nan)
            arr = np.asarray(history[key], dtype=np.float64)
            values[:len(arr)] = arr
            cols[f"{label}: {key}"] = values
    return pd.DataFrame(cols, index=pd.Index(np.arange(1, length + 1), name="update"))
