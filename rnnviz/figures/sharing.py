"""Plotly figure builders for the weight-sharing page (no streamlit; numbers come from rnnviz.sharing).

Colours and ``figure()`` from ``rnnviz.figures.style``: ``COLORS`` (hidden blue for the shared RNN, outputs green,
targets gray dashed), time left to right, hover with the exact number and its name.

    param_count_figure(counts, n, d, k)       shared vs unshared parameter count against T
    length_prediction_figure(result, seq=0)   predictions vs targets over factor*T steps, training length shaded
    length_error_figure(result)               per-step squared error (log axis), training length shaded
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.figures.style import COLORS, INK, MUTED, SERIES, TRAIN_FILL, figure, log_axis, subtitle
from rnnviz.sharing import LengthResult

# Series colours, not a quantity's: shared / unshared counts and the error means are not h, a or y.
SHARED, UNSHARED = SERIES[0], SERIES[2]
WITHIN, BEYOND = SERIES[3], SERIES[1]


def _training_band(T: int) -> dict:
    return dict(type="rect", name="training-length", xref="x", yref="paper", x0=0.5, x1=T + 0.5, y0=0, y1=1,
                line=dict(width=0), fillcolor=TRAIN_FILL, layer="below")


def _band_label(T: int) -> dict:
    return dict(x=T + 0.5, y=1, xref="x", yref="paper", text=f"trained on T = {T}", showarrow=False,
                xanchor="right", yanchor="top", font=dict(color=MUTED, size=13))


def param_count_figure(counts: pd.DataFrame, n: int, d: int, k: int) -> go.Figure:
    """Parameter count against T: flat for the RNN (shared weights), a line through T x count when unshared."""
    T = counts["T"].to_numpy()
    shared = counts["shared"].to_numpy()
    unshared = counts["unshared"].to_numpy()
    formula = f"n² + nd + n + nk + k = {n}² + {n}·{d} + {n} + {n}·{k} + {k}"
    data = [
        go.Scatter(x=T, y=unshared, name="unshared: separate weights per step", mode="lines",
                   line=dict(color=UNSHARED, width=3), customdata=shared,
                   hovertemplate="T = %{x}<br>unshared = %{y:,} = T × %{customdata:,}<extra></extra>"),
        go.Scatter(x=T, y=shared, name="RNN: one set of weights for all steps", mode="lines",
                   line=dict(color=SHARED, width=3),
                   hovertemplate="T = %{x}<br>shared = %{y:,}<extra></extra>"),
    ]
    return figure(data, subtitle("Parameters against sequence length", f"n = {n}, d = {d}, k = {k}"),
                   xaxis=dict(title="sequence length T"), yaxis=dict(title="parameters", rangemode="tozero"),
                   hovermode="x unified", meta=dict(formula=formula), height=380)


def length_prediction_figure(result: LengthResult, seq: int = 0) -> go.Figure:
    """One long test wave: the network's predictions (green) and the targets (gray dashed) for t = 1..factor*T."""
    t = np.arange(1, result.T_long + 1)
    data = [
        go.Scatter(x=t, y=result.y_true[seq], name="target x_(t+1)", mode="lines",
                   line=dict(color=COLORS["target"], dash="dash", width=2),
                   hovertemplate="target_%{x} = %{y:.4f}<extra></extra>"),
        go.Scatter(x=t, y=result.y_pred[seq], name="prediction y_t", mode="lines",
                   line=dict(color=COLORS["y"], width=2),
                   hovertemplate="y_%{x} = %{y:.4f}<extra></extra>"),
    ]
    return figure(data, subtitle("Predictions vs targets", f"trained on {result.T} steps, run on {result.T_long}"),
                   xaxis=dict(title="step t", range=[0.5, result.T_long + 0.5]), yaxis=dict(title="value"),
                   shapes=[_training_band(result.T)], annotations=[_band_label(result.T)], height=360)


def length_error_figure(result: LengthResult) -> go.Figure:
    """Per-step squared error (mean over the test waves) on a log axis; mean over 1..T and beyond as flat lines."""
    t = np.arange(1, result.T_long + 1)
    err = np.where(result.step_error > 0, result.step_error, np.nan)
    T, L = result.T, result.T_long
    means = [result.error_train_length, result.error_beyond, result.baseline_error]
    data = [
        go.Scatter(x=t, y=err, name="squared error at step t", mode="lines", line=dict(color=INK, width=1.5),
                   hovertemplate="error_%{x} = %{y:.4g}<extra></extra>"),
        go.Scatter(x=[1, T], y=[result.error_train_length] * 2, name=f"mean over 1..{T}", mode="lines",
                   line=dict(color=WITHIN, width=3),
                   hovertemplate=f"mean over steps 1..{T} = %{{y:.4g}}<extra></extra>"),
        go.Scatter(x=[T + 1, L], y=[result.error_beyond] * 2, name=f"mean over {T + 1}..{L}", mode="lines",
                   line=dict(color=BEYOND, width=3, dash="dash"),
                   hovertemplate=f"mean over steps {T + 1}..{L} = %{{y:.4g}}<extra></extra>"),
        go.Scatter(x=[1, L], y=[result.baseline_error] * 2, name="baseline: x_(t+1) = x_t", mode="lines",
                   line=dict(color=MUTED, dash="dot", width=1.5),
                   hovertemplate="baseline = %{y:.4g}<extra></extra>"),
    ]
    return figure(data, subtitle("Squared error per step", "mean over the test waves"),
                   xaxis=dict(title="step t", range=[0.5, L + 0.5]),
                   yaxis=log_axis(np.append(err, means), title="squared error"),
                   shapes=[_training_band(T)], annotations=[_band_label(T)], height=360)
