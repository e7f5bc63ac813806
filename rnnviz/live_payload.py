"""What the training page's live view sends to the browser each frame (no streamlit here).

    frame = live_frame(session, layer=0, since=None)        # "full": every chart's figure, built once
    frame = live_frame(session, layer=0, since=sent_step)   # "delta": only what changed since update sent_step

A full frame carries each live chart's Plotly figure (from the same builders as the static charts), so the
browser creates the charts once.  A delta frame carries only what changed since the update the browser has:
the new loss / accuracy / ρ(W_h) points (appended), the latest ‖∂L/∂h_t‖ line, the held-out predictions, and
the current gradient and weight matrices.  Arrays travel as plotly.js typed-array specs (base64): float64 for
‖∂L/∂h_t‖ (the trainer's exact numbers), float32 for matrices and predictions (7 significant digits, so the
hover's 4 decimals are exact) -- about half the bytes of JSON text.  ``chain_payload`` is the backward pass
of one update along the unrolled chain, for the animated chain view.

Every frame is plain JSON (lists, floats, None for non-finite values, typed-array specs).
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
from _plotly_utils.utils import to_typed_array_spec

from rnnviz.figures import training as ft
from rnnviz.figures.style import colorbar, integer_axis, log_axis, positive, symmetric_max
from rnnviz.training import TrainingSession, backward_sweep_layer, layer_grads, layer_list, layer_radii
from rnnviz.training_setup import current_gradients

MATRICES = ("W_h", "W_x", "b")
HISTORY_CHARTS = ("loss", "radius")
LIVE_CHARTS = ("loss", "radius", "dh", "pred") + tuple(f"g_{m}" for m in MATRICES) + tuple(f"w_{m}" for m in MATRICES)


# --------------------------------------------------------------------------- JSON helpers

def jsonable(value):
    """Plain JSON: numpy arrays and scalars become lists and floats, NaN / ±inf become None."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            return jsonable(value.tolist())
        return value.tolist()
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def packed(values, dtype=np.float32) -> dict:
    """values as a plotly.js typed-array spec ({dtype, bdata, shape}: base64 of the raw numbers).

    float32 (7 significant digits, so the hover's 4 decimals are exact) costs 5.3 characters a number
    against about 9 for JSON text; float64 keeps every bit (for numbers the tests compare exactly).
    """
    values = np.ascontiguousarray(values, dtype=dtype)
    return to_typed_array_spec(values) if values.size else []


# --------------------------------------------------------------------------- the session's current numbers

def run_key(session: TrainingSession, layer: int) -> str:
    """Identifies what the browser's charts belong to: a delta only applies to a view of the same run, whose
    updates only count up (a Reset starts another: the view drops a frame of its run at an update it has shown,
    and Streamlit may replace the full frame a Reset sent with the next run's delta before either is sent)."""
    text = f"{sorted(session.settings.items())!r}|layer={layer}|trainer={id(session.trainer)}|resets={session.resets}"
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _fmt(value) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"


def metrics(session: TrainingSession, evaluation: dict) -> list[dict]:
    """The numbers above the charts, as the page prints them: [{label, value, help}]."""
    tr = session.trainer
    last = session.snapshots[-1] if session.snapshots else None
    rows = [dict(label="Update", value=str(tr.steps_done), help=""),
            dict(label="Training loss", value="—" if last is None else _fmt(last.loss),
                 help="Measured on the batch just before the last update."),
            dict(label="Held-out loss", value=_fmt(evaluation["loss"]),
                 help="On the held-out sequence, current weights.")]
    if evaluation["accuracy"] is not None:
        rows.append(dict(label="Held-out accuracy", value=_fmt(evaluation["accuracy"]), help=""))
    radii = session.radius_history()[-1] if tr.steps_done else _initial_radii(session)
    if tr.layers == 1:
        rows.append(dict(label="ρ(W_h)", value=_fmt(float(radii[0])), help=""))
    else:
        rows.append(dict(label="max ρ(W_h) over layers", value=_fmt(float(max(radii))),
                         help="; ".join(f"layer {i + 1}: {r:.4f}" for i, r in enumerate(radii))))
    return rows


def _initial_radii(session: TrainingSession) -> list[float]:
    return layer_radii(session.trainer.params)


# --------------------------------------------------------------------------- per-chart updates

def dh_update(dh_norms, step: int | None, window: int | None, layers: int) -> dict:
    """The ‖∂L/∂h_t‖ line with the title and log axis (ticks, range) ``ft.dh_norms_figure`` gives it."""
    fig = ft.dh_norms_figure(dh_norms, step, window, layers=layers)
    return {"traces": [[0, {"y": packed(positive(dh_norms), np.float64)}]],
            "layout": {"title.text": fig.layout.title.text, "yaxis": jsonable(fig.layout.yaxis.to_plotly_json())}}


def loss_axis(history: dict) -> dict:
    """The loss chart's log axis for the whole history, as ``ft.loss_figure`` sets it, and its update axis."""
    return {"layout": {"yaxis": jsonable(log_axis(positive(history["loss"]), title=dict(text="loss"))),
                       **update_axis(history)}}


def update_axis(history: dict) -> dict:
    """The update axis's tick step as the builders set it for this many updates: every update up to 12, then
    Plotly's own steps.  Sent each frame: a chart created at update 0 would otherwise keep a tick per update
    (hundreds of labels, each measured on every redraw)."""
    return {"xaxis": integer_axis(len(history["loss"]), title=dict(text="update"), rangemode="tozero")}


def prediction_update(evaluation: dict, loss: str, vocab=None) -> dict:
    """The prediction traces of ``ft.predictions_figure`` (targets and inputs do not change while training)."""
    pred = np.asarray(evaluation["y_pred"], dtype=np.float64)
    T, k = pred.shape
    if loss == "mse":
        x = evaluation.get("x")
        offset = 1 if x is not None and np.asarray(x).shape[1] == 1 else 0
        return {"traces": [[offset + 2 * j + 1, {"y": packed(pred[:, j])}] for j in range(k)]}
    if k == 2 and vocab is None:
        return {"traces": [[1, {"y": packed(pred[:, 1])}]]}
    true = np.asarray(evaluation["y_true"], dtype=np.float64)
    target_idx = true.argmax(axis=1)
    p_target = pred[np.arange(T), target_idx]
    best = pred.argmax(axis=1)
    names = list(vocab) if vocab is not None else [str(i) for i in range(k)]
    text = [f"t={t}: target {names[c]!r}, p = {p:.4f}; model's top guess {names[b]!r}"
            for t, c, p, b in zip(range(1, T + 1), target_idx, p_target, best, strict=True)]
    return {"traces": [[1, {"y": packed(p_target), "customdata": text}]]}


def matrix_update(values) -> dict:
    """A heatmap's new z and its symmetric range m (colour scale [-m, m], colour bar ticks -m, 0, m with the
    labels ``ft.matrix_figure`` prints): {"z", "m", "mt"}."""
    values = np.asarray(values, dtype=np.float64)
    grid = values[:, None] if values.ndim == 1 else values
    m = symmetric_max(grid)
    return {"z": packed(grid), "m": m, "mt": colorbar(m)["ticktext"][2]}


def history_extend(session: TrainingSession, since: int) -> dict:
    """The loss (and accuracy) and ρ(W_h) points of the updates after `since` (the history's own "step"s, so a
    thinned long run stays right): {chart: {"traces": [trace index, ...], "x": steps, "y": [values per trace]}}
    with float64 typed-array specs for the values."""
    tr = session.trainer
    history = tr.history
    new = history["step"] > since
    x = packed(history["step"][new], np.int32)
    loss = {"traces": [0], "x": x, "y": [packed(positive(history["loss"][new]), np.float64)]}
    if tr.task.loss == "xent":
        loss["traces"].append(1)
        loss["y"].append(packed(history["accuracy"][new], np.float64))
    radii = session.radius_history()[new]
    columns = range(radii.shape[1]) if tr.layers > 1 else range(1)
    radius = {"traces": list(columns), "x": x, "y": [packed(radii[:, i], np.float64) for i in columns]}
    return {"loss": loss, "radius": radius}


# --------------------------------------------------------------------------- frames

def _layer_matrices(session: TrainingSession, grads: dict, layer: int):
    tr = session.trainer
    return layer_grads(grads, layer, tr.layers), layer_list(tr.params)[layer]


def full_figures(session: TrainingSession, layer: int, evaluation: dict, grads: dict, dh_norms, step) -> dict:
    """Every live chart's figure (plain JSON), from the static page's builders."""
    tr = session.trainer
    history = tr.history
    L = tr.layers
    layer_history = session.radius_history() if L > 1 else None
    figures = {"loss": ft.loss_figure(history, tr.task.loss), "radius": ft.radius_figure(history, layer_history),
               "dh": ft.dh_norms_figure(dh_norms, step, tr.bptt_window, layers=L),
               "pred": ft.predictions_figure(evaluation, tr.task.loss, tr.task.vocab)}
    g, params = _layer_matrices(session, grads, layer)
    shown = layer + 1 if L > 1 else None
    for name in MATRICES:
        figures[f"g_{name}"] = ft.matrix_figure(g[name], ft.GRAD_LABELS[name], "grad", layer=shown)
        figures[f"w_{name}"] = ft.matrix_figure(getattr(params, name), name, "weight", layer=shown)
    for name in FIXED_MARGIN_CHARTS:
        fixed_margins(figures[name])
    return {name: jsonable(fig.to_plotly_json()) for name, fig in figures.items()}


FIXED_MARGIN_CHARTS = ("loss", "radius", "dh")  # the line charts whose axes move every frame
LIVE_MARGIN_LEFT = 84  # px: room for "5×10⁻²" tick labels and the axis title beside them


def fixed_margins(fig) -> None:
    """No automargin on a chart redrawn every frame: plotly.js would measure every tick label and redraw the
    chart again whenever a margin moves (about 15% of the live frame rate on the school laptop).  The margins
    are set wide enough instead; the axis titles sit beyond the widest tick label."""
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)
    if fig.layout.margin.l is None or fig.layout.margin.l < LIVE_MARGIN_LEFT:
        fig.update_layout(margin_l=LIVE_MARGIN_LEFT)


def live_frame(session: TrainingSession, layer: int, since: int | None = None, notes: dict | None = None) -> dict:
    """One frame for the live view; `since` None (or ahead of the trainer) means a full frame.

    A delta frame's history points start after update `since` ("base"): the caller may pass the update of an
    older frame than the last one, so a browser that never saw the frames in between (a browser may render only
    the last of several quick updates) can still continue; it keeps only the points it does not have.

    layer: 0-based, the layer the gradient and weight heatmaps show.  notes: {chart: caption} (full frames).
    """
    tr = session.trainer
    task = tr.task
    full = since is None or since > tr.steps_done
    evaluation = tr.eval_test()
    grads, dh_norms, step = current_gradients(session)
    g, params = _layer_matrices(session, grads, layer)
    frame = {"kind": "full" if full else "delta", "run": run_key(session, layer),
             "base": 0 if full else int(since), "step": tr.steps_done, "playing": bool(session.playing),
             "metrics": metrics(session, evaluation),
             "sample": (task.sample(tr.params, seed_char=0, length=200, rng=np.random.default_rng(tr.seed))
                        if task.vocab is not None else None),
             "notes": dict(notes or {})}  # captions, some naming the update: every frame (a few hundred bytes)
    if full:
        frame["figures"] = full_figures(session, layer, evaluation, grads, dh_norms, step)
        return frame
    frame["extend"] = history_extend(session, since)
    updates = {"dh": dh_update(dh_norms, step, tr.bptt_window, tr.layers), "loss": loss_axis(tr.history),
               "pred": prediction_update(evaluation, task.loss, task.vocab),
               "radius": {"layout": update_axis(tr.history)}}
    for name in FIXED_MARGIN_CHARTS:  # an axis a delta replaces keeps the chart's fixed margins
        for axis in ("xaxis", "yaxis"):
            if axis in updates.get(name, {}).get("layout", {}):
                updates[name]["layout"][axis]["automargin"] = False
    frame["set"] = updates
    frame["matrices"] = {**{f"g_{name}": matrix_update(g[name]) for name in MATRICES},
                         **{f"w_{name}": matrix_update(getattr(params, name)) for name in MATRICES}}
    return frame


def encode(frame: dict) -> bytes:
    """A frame as compact JSON bytes (what the component receives; about 10 % smaller than json.dumps)."""
    return json.dumps(frame, separators=(",", ":"), allow_nan=False).encode()


# --------------------------------------------------------------------------- the backward pass on the chain

def chain_payload(params, layer: int, x, y, loss: str, mask=None, update: int | None = None) -> dict:
    """BPTT of one sequence along the unrolled chain, for the chain animation (frames t = T .. 0).

    Per t (indexed by t = 0..T): norm ‖∂L/∂h_t‖ (Frobenius of the engine's vector), from_output
    ‖what reaches h_t from above‖, from_future ‖what step t+1 sent back‖; per arrow t -> t-1 (t = 1..T):
    factor ‖W_hᵀ·diag(f'(a_t))‖₂ (the most it can grow a vector; < 1 always shrinks) and gain
    ‖W_hᵀ·diag(f'(a_t))·∂L/∂h_t‖ / ‖∂L/∂h_t‖ (what it actually did to this gradient).
    """
    frames = backward_sweep_layer(params, layer, x, y, loss, mask)
    T = max(f.t for f in frames)
    by_t = {f.t: f for f in frames}
    norms = [float(np.linalg.norm(by_t[t].dh)) for t in range(T + 1)]
    from_output = [float(np.linalg.norm(by_t[t].from_output)) for t in range(T + 1)]
    from_future = [float(np.linalg.norm(by_t[t].from_future)) for t in range(T + 1)]
    factors, gains = [None], [None]  # index t: the arrow from h_t back to h_{t-1}
    for t in range(1, T + 1):
        carry = by_t[t].carry
        factors.append(float(np.linalg.norm(carry, 2)))
        sent = float(np.linalg.norm(carry @ by_t[t].dh))
        gains.append(sent / norms[t] if norms[t] > 0 else None)
    layers = len(layer_list(params))
    return jsonable({"T": T, "layer": layer, "layers": layers, "update": update, "norms": norms,
                     "from_output": from_output, "from_future": from_future, "factors": factors, "gains": gains,
                     "source": "output" if layer == layers - 1 else f"layer {layer + 2}"})
