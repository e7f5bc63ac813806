"""The training page's charts and the tables of numbers behind them (no streamlit).

Colours from ``rnnviz.figures.style`` (gradients magenta, hidden blue, outputs green, targets gray dashed,
the loss dark gray); diverging heatmaps on a symmetric range [-m, m] with m on the colour bar; hover with
the exact number (4 decimals) and its name.  The ``*_table`` functions return the numbers behind a chart.

    loss_figure(history, loss)                 loss (log axis) and accuracy over updates
    dh_norms_figure(dh_norms, step, window)    ||dL/dh_t|| over t = 0..T on a log axis
    matrix_figure(values, name, kind)          a gradient or weight matrix / vector as a heatmap
    predictions_figure(evaluation, loss, vocab)  held-out predictions vs targets (gray dashed)
    radius_figure(history)                     spectral radius of W_h over updates
    sweep_figure(frames)                       the backward pass as a Plotly animation, t = T .. 0
    replay_figure(snapshots, history)          recorded updates scrubbed with frames + slider
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.figures.style import (
    COLORS,
    CURVE,
    DIVERGING,
    MIN_FONT,
    MONO,
    MUTED,
    TEMPLATE,
    colorbar,
    figure,
    integer_axis,
    log_axis,
    positive,
    subtitle,
    symmetric_max,
)

LOSS_COLOR = CURVE
MAX_FRAMES = 60  # animations keep at most this many frames (evenly spaced), so the page stays light
GRAD_LABELS = {"W_h": "∂L/∂W_h", "W_x": "∂L/∂W_x", "b": "∂L/∂b", "W_y": "∂L/∂W_y", "b_y": "∂L/∂b_y"}


def frame_indices(count: int, limit: int = MAX_FRAMES) -> np.ndarray:
    """At most `limit` evenly spaced indices into range(count), always including the first and the last."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


def _frame_slider(frames, labels, active: int, y: float, prefix: str) -> dict:
    """A slider under an animation: one step per frame, jumping straight to it."""
    return dict(active=active, x=0.2, len=0.8, y=y, yanchor="top", currentvalue=dict(prefix=prefix),
                steps=[dict(label=label, method="animate",
                            args=[[f.name], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                 transition=dict(duration=0))])
                       for label, f in zip(labels, frames, strict=True)])


def _play_pause(y: float, fromcurrent: bool) -> dict:
    """▶ Play (250 ms a frame) and ❚❚ Pause buttons under an animation, left of its slider (at the top they
    ran into long frame titles)."""
    return dict(type="buttons", showactive=False, x=0.0, xanchor="left", y=y, yanchor="top", direction="down",
                buttons=[dict(label="▶ Play", method="animate",
                              args=[None, dict(frame=dict(duration=250, redraw=True), fromcurrent=fromcurrent,
                                               transition=dict(duration=0))]),
                         dict(label="❚❚ Pause", method="animate",
                              args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])


def _log_range(values: np.ndarray) -> list[float] | None:
    """A log axis's range over the finite values with 0.2 decades to spare; None when there are none."""
    finite = values[np.isfinite(values)]
    return [np.log10(finite.min()) - 0.2, np.log10(finite.max()) + 0.2] if finite.size else None


def _empty_note(fig: go.Figure, text: str) -> go.Figure:
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(color=MUTED, size=13))
    return fig


# --- training page: curves over updates ---

def _update_numbers(history: dict, count: int) -> np.ndarray:
    """The update number of each history entry: history["step"] once a long run has been thinned, else 1..count."""
    steps = history.get("step")
    if steps is not None and len(steps) == count:
        return np.asarray(steps, dtype=np.int64)
    return np.arange(1, count + 1)


def loss_figure(history: dict, loss: str) -> go.Figure:
    """Training loss per update on a log axis (dark gray); accuracy (green, right axis, 0..1) for "xent"."""
    values = np.asarray(history.get("loss", []), dtype=np.float64)
    steps = _update_numbers(history, len(values))
    data = [go.Scatter(x=steps, y=positive(values), mode="lines", name=f"loss ({loss})",
                       line=dict(color=LOSS_COLOR, width=2),
                       hovertemplate="loss after update %{x} = %{y:.4f}<extra></extra>")]
    layout = dict(height=320, xaxis=integer_axis(len(values), title=dict(text="update"), rangemode="tozero"),
                  yaxis=log_axis(positive(values), title=dict(text="loss")), hovermode="x unified")
    acc = np.asarray(history.get("accuracy", []), dtype=np.float64)
    if loss == "xent":
        data.append(go.Scatter(x=steps, y=acc, mode="lines", name="accuracy", yaxis="y2",
                               line=dict(color=COLORS["y"], width=2, dash="dot"),
                               hovertemplate="accuracy at update %{x} = %{y:.4f}<extra></extra>"))
        layout["yaxis2"] = dict(title=dict(text="accuracy", font=dict(color=COLORS["y"])), overlaying="y",
                                side="right", range=[0, 1], tickvals=[0, 0.25, 0.5, 0.75, 1], tickformat=".2f",
                                showgrid=False)
    fig = figure(data, "Training loss" + (" and accuracy" if loss == "xent" else "") + " per update", **layout)
    if not len(values):
        _empty_note(fig, "No updates yet: press Step or Play.")
    return fig


def history_table(history: dict, layer_radii=None) -> pd.DataFrame:
    """Per-update numbers: loss, accuracy, gradient norm (before clipping), spectral radius of W_h.

    layer_radii (updates, L) with L > 1 (``TrainingSession.radius_history()``) adds one column per layer;
    "spectral_radius" is then the largest of them.
    """
    steps = len(history.get("loss", []))
    columns = {key: np.asarray(history[key], dtype=np.float64)
               for key in ("loss", "accuracy", "grad_norm", "spectral_radius") if key in history}
    radii = None if layer_radii is None else np.asarray(layer_radii, dtype=np.float64)
    if radii is not None and radii.ndim == 2 and radii.shape[1] > 1 and len(radii) == steps:
        for i in range(radii.shape[1]):
            columns[f"spectral_radius layer {i + 1}"] = radii[:, i]
    return pd.DataFrame(columns, index=pd.Index(_update_numbers(history, steps), name="update"))


LAYER_DASHES = ("solid", "dash", "dot", "dashdot")


def radius_figure(history: dict, layer_radii=None) -> go.Figure:
    """Spectral radius of W_h after each update (blue), with the line ρ = 1 where decay turns into growth.

    layer_radii (updates, L) with L > 1 (``TrainingSession.radius_history()``): one blue line per layer
    (solid, dashed, dotted: layer 1, 2, 3) instead of the single line of history["spectral_radius"].
    """
    values = np.asarray(history.get("spectral_radius", []), dtype=np.float64)
    steps = _update_numbers(history, len(values))
    radii = None if layer_radii is None else np.asarray(layer_radii, dtype=np.float64)
    if radii is not None and radii.ndim == 2 and radii.shape[1] > 1:
        steps = _update_numbers(history, len(radii))
        data = [go.Scatter(x=steps, y=radii[:, i], mode="lines", name=f"ρ(W_h), layer {i + 1}",
                           line=dict(color=COLORS["h"], width=2, dash=LAYER_DASHES[i % len(LAYER_DASHES)]),
                           hovertemplate=f"layer {i + 1}: ρ(W_h) after update %{{x}} = %{{y:.4f}}<extra></extra>")
                for i in range(radii.shape[1])]
        title = "Spectral radius ρ(W_h) of each layer over training"
    else:
        data = [go.Scatter(x=steps, y=values, mode="lines", name="ρ(W_h)", line=dict(color=COLORS["h"], width=2),
                           hovertemplate="ρ(W_h) after update %{x} = %{y:.4f}<extra></extra>")]
        title = "Spectral radius ρ(W_h) over training"
    fig = figure(data, title, height=300,
                  xaxis=integer_axis(len(steps), title=dict(text="update"), rangemode="tozero"),
                  yaxis=dict(title=dict(text="ρ(W_h)")))
    fig.add_hline(y=1.0, line=dict(color=MUTED, dash="dot", width=1), name="rho-one",
                  annotation_text="ρ = 1", annotation_position="bottom right")
    if not len(values):
        _empty_note(fig, "No updates yet.")
    return fig


# --- training page: the gradient through time ---

def dh_norms_figure(dh_norms, step: int | None = None, window: int | None = None, layers: int = 1) -> go.Figure:
    """‖∂L/∂h_t‖ for t = 0..T (magenta) on a log axis; truncated-BPTT chunk starts as dotted lines.
    With layers > 1 the norms are the top layer's (``Snapshot.dh_norms``) and the title says so."""
    values = np.asarray(dh_norms, dtype=np.float64)
    ts = np.arange(len(values))
    title = "‖∂L/∂h_t‖ flowing back through time"
    # Always a second line (one line was cut at 390 px), so that a live chart's title can be rewritten in place
    # from update 0 on with the room it was created with.
    notes = ([f"top layer {layers} of {layers}"] if layers > 1 else []) + [
        f"update {step}" if step is not None else "initial weights"]
    title = subtitle(title, ", ".join(notes))
    data = [go.Scatter(x=ts, y=positive(values), mode="lines+markers" if len(ts) <= 80 else "lines",
                       name="‖∂L/∂h_t‖", line=dict(color=COLORS["grad"], width=2), marker=dict(size=6),
                       hovertemplate="‖∂L/∂h_%{x}‖ = %{y:.4e}<extra></extra>")]
    fig = figure(data, title, height=320, xaxis=dict(title=dict(text="t"), range=[-0.5, len(ts) - 0.5]),
                  yaxis=log_axis(positive(values), title=dict(text="‖∂L/∂h_t‖")))
    T = len(values) - 1
    if window is not None and window < T:
        for start in range(window, T, window):
            fig.add_vline(x=start + 0.5, line=dict(color=MUTED, dash="dot", width=1), name="bptt-window")
    if not len(values):
        _empty_note(fig, "No updates yet: press Step or Play.")
    return fig


def dh_norms_table(dh_norms) -> pd.DataFrame:
    values = np.asarray(dh_norms, dtype=np.float64)
    return pd.DataFrame({"‖∂L/∂h_t‖": values}, index=pd.Index(np.arange(len(values)), name="t"))


# A vector's map sits in a narrow column (b next to W_h and W_x): "-0.0919" ran off the column's right edge
# (no ticks to read), so its bar is labelled −, 0, + and the range ±m goes into the title.
VECTOR_BAR = dict(ticktext=["−m", "0", "+m"])


def matrix_figure(values, name: str, kind: str = "grad", height: int | None = None,
                  layer: int | None = None) -> go.Figure:
    """A matrix (rows x cols) or a vector (shown as one column) on RdBu reversed, zmid=0, range [-m, m].

    kind "grad" (name e.g. "∂L/∂W_h") or "weight" (name e.g. "W_h"); hover `name[i,j] = 0.1234` (1-based).
    layer (1-based, for stacked layers): the title and hover say which layer, e.g. `layer 2: W_h[1,3] = ...`.
    """
    if kind not in ("grad", "weight"):
        raise ValueError(f"kind is {kind!r}, expected 'grad' or 'weight'")
    values = np.asarray(values, dtype=np.float64)
    vector = values.ndim == 1
    grid = values[:, None] if vector else values
    rows, cols = grid.shape
    m = symmetric_max(grid)
    hover = f"{name}[%{{y}}] = %{{z:.4f}}" if vector else f"{name}[%{{y}},%{{x}}] = %{{z:.4f}}"
    if layer is not None:
        hover = f"layer {layer}: " + hover
    trace = go.Heatmap(z=grid, x=np.arange(1, cols + 1), y=np.arange(1, rows + 1), colorscale=DIVERGING,
                       zmin=-m, zmax=m, zmid=0, name=name, colorbar=colorbar(m, **(VECTOR_BAR if vector else {})),
                       xgap=1 if cols <= 20 else 0,
                       ygap=1 if rows <= 20 else 0, hovertemplate=hover + "<extra></extra>")
    shape = f"{rows}" if vector else f"{rows}×{cols}"
    title = f"{name} ({shape})"
    if kind == "grad":
        title = f"<span style='color:{COLORS['grad']}'>{name}</span> ({shape})"
    if layer is not None:
        title += f", layer {layer}"
    if vector:
        title = subtitle(title, f"m = {m:.3g}")
    return figure([trace], title, height=height or max(220, min(420, 110 + 14 * rows)),
                   margin=dict(l=40, r=10, t=48, b=30),
                   xaxis=integer_axis(cols, showgrid=False, visible=not vector, title=dict(text="column")),
                   yaxis=integer_axis(rows, autorange="reversed", showgrid=False, title=dict(text="row")))


def matrix_table(values, name: str) -> pd.DataFrame:
    values = np.asarray(values, dtype=np.float64)
    grid = values[:, None] if values.ndim == 1 else values
    columns = [name] if values.ndim == 1 else [f"[{j + 1}]" for j in range(grid.shape[1])]
    return pd.DataFrame(grid, index=pd.Index(np.arange(1, grid.shape[0] + 1), name="row"), columns=columns)


# --- training page: predictions on the held-out sequence ---

def predictions_figure(evaluation: dict, loss: str, vocab=None) -> go.Figure:
    """Held-out predictions (green) against targets (gray dashed) over t = 1..T.

    "mse": one line per output; "xent" with 2 classes: p(class 1) vs the target class (0/1);
    more classes (chars): p(the target character) per step, target p = 1, hover with the characters.
    Steps outside the mask (no target) are left out of the target line.
    """
    pred = np.asarray(evaluation["y_pred"], dtype=np.float64)
    true = np.asarray(evaluation["y_true"], dtype=np.float64)
    mask = evaluation.get("mask")
    T, k = pred.shape
    ts = np.arange(1, T + 1)
    keep = np.ones(T, bool) if mask is None else np.asarray(mask) > 0
    data = []
    x = evaluation.get("x")
    if loss == "mse":
        if x is not None and np.asarray(x).shape[1] == 1:
            data.append(go.Scatter(x=ts, y=np.asarray(x)[:, 0], mode="lines", name="input x_t", opacity=0.5,
                                   line=dict(color=COLORS["x"], width=1),
                                   hovertemplate="x_%{x} = %{y:.4f}<extra></extra>"))
        for j in range(k):
            suffix = "" if k == 1 else f"[{j + 1}]"
            data.append(go.Scatter(x=ts, y=np.where(keep, true[:, j], np.nan), mode="lines", name=f"target{suffix}",
                                   line=dict(color=COLORS["target"], width=2, dash="dash"),
                                   hovertemplate=f"target_%{{x}}{suffix} = %{{y:.4f}}<extra></extra>"))
            data.append(go.Scatter(x=ts, y=pred[:, j], mode="lines+markers" if T <= 60 else "lines",
                                   name=f"prediction y{suffix}", line=dict(color=COLORS["y"], width=2),
                                   marker=dict(size=5), hovertemplate=f"y_%{{x}}{suffix} = %{{y:.4f}}<extra></extra>"))
        ytitle = "value"
    elif k == 2 and vocab is None:
        data.append(go.Scatter(x=ts, y=np.where(keep, true[:, 1], np.nan), mode="lines", name="target class",
                               line=dict(color=COLORS["target"], width=2, dash="dash", shape="hv"),
                               hovertemplate="target class at t=%{x}: %{y:.0f}<extra></extra>"))
        data.append(go.Scatter(x=ts, y=pred[:, 1], mode="lines+markers", name="p(class 1)",
                               line=dict(color=COLORS["y"], width=2), marker=dict(size=5),
                               hovertemplate="p_%{x}(class 1) = %{y:.4f}<extra></extra>"))
        ytitle = "probability"
    else:
        target_idx = true.argmax(axis=1)
        p_target = pred[np.arange(T), target_idx]
        best = pred.argmax(axis=1)
        names = list(vocab) if vocab is not None else [str(i) for i in range(k)]
        text = [f"t={t}: target {names[c]!r}, p = {p:.4f}; model's top guess {names[b]!r}"
                for t, c, p, b in zip(ts, target_idx, p_target, best, strict=True)]
        data.append(go.Scatter(x=ts, y=np.where(keep, 1.0, np.nan), mode="lines", name="target (p = 1)",
                               line=dict(color=COLORS["target"], width=2, dash="dash"), hoverinfo="skip"))
        data.append(go.Scatter(x=ts, y=p_target, mode="lines+markers+text" if T <= 40 else "lines+markers",
                               name="p(target)", text=[names[c] for c in target_idx], textposition="top center",
                               textfont=dict(family=MONO, size=MIN_FONT, color=COLORS["x"]),
                               customdata=text, line=dict(color=COLORS["y"], width=2), marker=dict(size=5),
                               hovertemplate="%{customdata}<extra></extra>"))
        ytitle = "probability of the target"
    return figure(data, "Held-out sequence: predictions vs targets", height=340,
                   xaxis=dict(title=dict(text="t"), range=[0.5, T + 0.5]), yaxis=dict(title=dict(text=ytitle)),
                   hovermode="x unified" if T <= 60 else "closest")


def predictions_table(evaluation: dict) -> pd.DataFrame:
    pred = np.asarray(evaluation["y_pred"], dtype=np.float64)
    true = np.asarray(evaluation["y_true"], dtype=np.float64)
    k = pred.shape[1]
    cols = {}
    for j in range(k):
        suffix = "" if k == 1 else f"[{j + 1}]"
        cols[f"prediction{suffix}"] = pred[:, j]
        cols[f"target{suffix}"] = true[:, j]
    return pd.DataFrame(cols, index=pd.Index(np.arange(1, len(pred) + 1), name="t"))


# --- training page: the backward pass, animated ---

def sweep_norms(frames) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ts, ‖∂L/∂h_t‖, gain) per sweep frame; gain_t = ‖what t sends to t-1‖ / ‖∂L/∂h_t‖ (NaN at t = 0)."""
    ts = np.array([f.t for f in frames])
    norms = np.array([float(np.linalg.norm(f.dh)) for f in frames])
    sent = np.array([np.nan if f.carry is None else float(np.linalg.norm(f.carry @ f.dh)) for f in frames])
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(norms > 0, sent / norms, np.nan)
    return ts, norms, gain


def sweep_figure(frames, source: str = "output") -> go.Figure:
    """BPTT filling in ∂L/∂h_t from t = T back to 0, as a Plotly animation (play button + slider).

    Top: the vectors ∂L/∂h_t (units × t, RdBu reversed, zmid=0, columns not reached yet empty);
    bottom: ‖∂L/∂h_t‖ on a log axis (magenta).  Each frame's title says what was multiplied.
    `frames` is ``training.backward_sweep(...)`` (ordered t = T, ..., 0), or ``backward_sweep_layer`` for a
    layer below the top: then pass e.g. source="layer 3" (what feeds ∂L/∂h_t from above, named in the titles).
    """
    ts, norms, gain = sweep_norms(frames)
    T = int(ts.max())
    n = len(frames[0].dh)
    full = np.full((n, T + 1), np.nan)
    for f in frames:
        full[:, f.t] = f.dh
    m = symmetric_max(full)
    order = np.arange(T + 1)
    shown_norms = positive(norms[np.argsort(ts)])  # indexed by t
    gains = gain[np.argsort(ts)]

    def state(i):
        """Columns t >= T - i revealed."""
        reached = order >= T - i
        z = np.where(reached[None, :], full, np.nan)
        y = np.where(reached, shown_norms, np.nan)
        return z, y

    def caption(i):
        t = T - i
        output = source == "output"
        if t == T:
            return f"t = {T}: ∂L/∂h_{T} comes only from " + ("the output" if output else source) + " at the last step"
        core = f"t = {t}: ∂L/∂h_{t} = W_hᵀ·diag(f'(a_{t + 1}))·∂L/∂h_{t + 1}"
        if output:
            core += " + (output at t)" if t > 0 else " (h_0 has no output)"
        else:
            core += f" + (from {source} at t)" if t > 0 else f" (h_0 gets nothing from {source})"
        g = gains[t + 1]
        return core + (f"; the step scaled the norm by {g:.4f}" if np.isfinite(g) else "")

    keep = frame_indices(T + 1)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.08)
    z0, y0 = state(int(keep[0]))
    fig.add_trace(go.Heatmap(z=z0, x=order, y=np.arange(1, n + 1), colorscale=DIVERGING, zmin=-m, zmax=m, zmid=0,
                             name="∂L/∂h_t", colorbar=colorbar(m, "∂L/∂h")
                             | dict(len=0.55, y=1.0, yanchor="top"),
                             hovertemplate="∂L/∂h_%{x}[%{y}] = %{z:.4f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=order, y=y0, mode="lines+markers", name="‖∂L/∂h_t‖",
                             line=dict(color=COLORS["grad"], width=2), marker=dict(size=6),
                             hovertemplate="‖∂L/∂h_%{x}‖ = %{y:.4e}<extra></extra>"), row=2, col=1)
    frames_out = []
    for i in keep:
        z, y = state(int(i))
        frames_out.append(go.Frame(name=f"t={T - i}", data=[go.Heatmap(z=z), go.Scatter(y=y)], traces=[0, 1],
                                   layout=dict(title=dict(text=caption(int(i))))))
    fig.frames = frames_out
    slider = _frame_slider(frames_out, [f.name for f in frames_out], 0, -0.2, "BPTT has reached ")
    fig.update_layout(template=TEMPLATE, title=dict(text=caption(int(keep[0]))), height=520,
                      updatemenus=[_play_pause(-0.2, fromcurrent=True)], sliders=[slider], margin=dict(t=78, b=150))
    fig.update_xaxes(title_text="t", row=2, col=1, range=[-0.5, T + 0.5])
    fig.update_xaxes(range=[-0.5, T + 0.5], row=1, col=1)
    fig.update_yaxes(integer_axis(n, title_text="unit", autorange="reversed", showgrid=False), row=1, col=1)
    fig.update_yaxes(log_axis(shown_norms, title_text="‖∂L/∂h_t‖", range=_log_range(shown_norms)), row=2, col=1)
    return fig


def sweep_table(frames) -> pd.DataFrame:
    """Per t (in BPTT order T .. 0): ‖∂L/∂h_t‖, the norm gain of the step back, and ∂L/∂h_t's entries."""
    ts, norms, gain = sweep_norms(frames)
    cols = {"‖∂L/∂h_t‖": norms, "gain to t-1": gain}
    n = len(frames[0].dh)
    for i in range(n):
        cols[f"∂L/∂h_t[{i + 1}]"] = [float(f.dh[i]) for f in frames]
    return pd.DataFrame(cols, index=pd.Index(ts, name="t"))


def gradient_check_table(results) -> pd.DataFrame:
    """training.gradient_check results as a table (indices 1-based like the labels)."""
    rows = []
    for name, index, bptt, numeric, rel in results:
        label = f"{name}[{','.join(str(i + 1) for i in index)}]"
        rows.append({"weight": label, "BPTT": bptt, "finite difference": numeric, "relative error": rel,
                     "agree (< 1e-5)": bool(rel < 1e-5)})
    return pd.DataFrame(rows)


# --- training page: replay of recorded updates ---

def replay_figure(snapshots, history: dict) -> go.Figure:
    """Scrub recorded updates without recomputing: ‖∂L/∂h_t‖ of the update (left, log axis) and the loss
    curve with that update marked (right).  Frames + play button + slider; at most MAX_FRAMES frames."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.12,
                        subplot_titles=("‖∂L/∂h_t‖ at this update", "loss per update"))
    losses = np.asarray(history.get("loss", []), dtype=np.float64)
    if not snapshots:
        fig.update_layout(template=TEMPLATE, height=380, title=dict(text="Replay of recorded updates"))
        return _empty_note(fig, "No recorded updates yet: train first, then scrub.")
    keep = frame_indices(len(snapshots))
    chosen = [snapshots[i] for i in keep]
    first = chosen[-1]  # open on the latest update
    T = len(first.dh_norms) - 1
    ts = np.arange(T + 1)
    all_norms = positive(np.array([s.dh_norms for s in chosen]))
    fig.add_trace(go.Scatter(x=ts, y=positive(first.dh_norms), mode="lines+markers", name="‖∂L/∂h_t‖",
                             line=dict(color=COLORS["grad"], width=2), marker=dict(size=5),
                             hovertemplate="‖∂L/∂h_%{x}‖ = %{y:.4e}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=_update_numbers(history, len(losses)), y=positive(losses), mode="lines", name="loss",
                             line=dict(color=LOSS_COLOR, width=1.5),
                             hovertemplate="loss after update %{x} = %{y:.4f}<extra></extra>"), row=1, col=2)
    fig.add_trace(go.Scatter(x=[first.step], y=[first.loss], mode="markers", name="this update",
                             marker=dict(color=COLORS["grad"], size=11, symbol="circle-open", line=dict(width=3)),
                             hovertemplate="update %{x}: loss = %{y:.4f}<extra></extra>"), row=1, col=2)
    frames = []
    for s, norms in zip(chosen, all_norms, strict=True):
        title = f"Update {s.step}: loss {s.loss:.4f}, gradient norm {s.grad_norm:.4f}" + (" (clipped)" if s.clipped
                                                                                           else "")
        frames.append(go.Frame(name=f"update {s.step}", traces=[0, 2],
                               data=[go.Scatter(y=norms), go.Scatter(x=[s.step], y=[s.loss])],
                               layout=dict(title=dict(text=title))))
    fig.frames = frames
    slider = _frame_slider(frames, [str(s.step) for s in chosen], len(frames) - 1, -0.34, "Showing ")
    fig.update_layout(template=TEMPLATE, height=460, title=dict(text=frames[-1].layout.title.text),
                      updatemenus=[_play_pause(-0.34, fromcurrent=False)], sliders=[slider], showlegend=False,
                      margin=dict(t=78, b=150))
    fig.update_xaxes(title_text="t", range=[-0.5, T + 0.5], row=1, col=1)
    fig.update_yaxes(log_axis(all_norms, range=_log_range(all_norms)), row=1, col=1)
    fig.update_xaxes(integer_axis(len(losses), title_text="update"), row=1, col=2)
    fig.update_yaxes(log_axis(positive(losses)), row=1, col=2)
    return fig


def replay_table(snapshots) -> pd.DataFrame:
    """One row per recorded update: loss, gradient norm, clipped, then ‖∂L/∂h_t‖ for t = 0..T."""
    if not snapshots:
        return pd.DataFrame()
    norms = np.array([s.dh_norms for s in snapshots])
    table = pd.DataFrame(norms, columns=[f"‖∂L/∂h_{t}‖" for t in range(norms.shape[1])])
    table.insert(0, "clipped", [s.clipped for s in snapshots])
    table.insert(0, "gradient norm", [s.grad_norm for s in snapshots])
    table.insert(0, "loss", [s.loss for s in snapshots])
    table.index = pd.Index([s.step for s in snapshots], name="update")
    return table
