"""Training (BPTT): an RNN learns a task while the gradients flowing back through time are drawn live.

Thin page: the controls are read here, the loop lives in ``rnnviz.training`` (TrainingSession, advance),
every chart comes from ``rnnviz.figures_training``.  While playing, only the fragment ``live_view`` reruns.
"""

from __future__ import annotations

import math
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np
import streamlit as st

from rnnviz import tasks as task_lib
from rnnviz import widgets
from rnnviz.figures import training as ft
from rnnviz.query import to_query
from rnnviz.stacking import MAX_LAYERS
from rnnviz.training import (
    MAX_HIDDEN,
    TrainingSession,
    advance,
    backward_sweep_layer,
    gradient_check_layer,
    layer_grads,
    layer_list,
    layer_radii,
    loss_grads,
)
from rnnviz.training import simulator_state as make_simulator_state

SESSION = "training_session"
GRADCHECK = "training_gradcheck"
VIEW_LAYER = "tr_view_layer"  # the layer (1-based) the per-layer views show; defaults to the top layer
VIEW_LAYER_OF = "tr_view_layer_of"  # the layer count VIEW_LAYER was chosen for
MAX_PAGE_LAYERS = MAX_LAYERS
FRAME_RATES = (1, 2, 4, 5)  # frames per second while playing; 4 by default (the visual language's pace)
LR_CHOICES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0]
MAX_LR = 100.0
TASKS = {"sine": "Sine: next-step prediction", "echo": "Delayed echo", "sum": "Running sum",
         "sign": "Sign of the running sum", "parity": "Parity of a bit stream", "chars": "Characters (min-char-rnn)"}
OPTIMIZERS = {"sgd": "SGD + momentum 0.9", "adam": "Adam", "adagrad": "Adagrad"}
CELL_PAGE = "pages/cell.py"


# --------------------------------------------------------------------------- controls (sidebar)

def read_learning_rate() -> float:
    """The slider's value, or the typed one when it is a valid number (else an error and the slider's)."""
    lr = st.select_slider("Learning rate", LR_CHOICES, value=0.01, key="tr_lr", format_func=lambda v: f"{v:g}",
                          help="Log-spaced steps; type any other value below.")
    typed = st.text_input("…or type a learning rate", key="tr_lr_text", placeholder="e.g. 0.005",
                          max_chars=30, help=f"A number in (0, {MAX_LR:g}]; empty = use the slider.").strip()
    if not typed:
        return lr
    try:
        value = float(typed)
    except ValueError:
        st.error(f"Learning rate: '{typed[:30]}' is not a number; using the slider's {lr:g}.")
        return lr
    if not math.isfinite(value) or value <= 0 or value > MAX_LR:
        st.error(f"Learning rate: {typed[:30]} is outside (0, {MAX_LR:g}]; using the slider's {lr:g}.")
        return lr
    if value > 1:
        st.warning(f"Learning rate {value:g} is very large: expect the run to diverge (that can be instructive).")
    return value


def read_settings() -> dict | None:
    """Trainer keyword arguments from the sidebar, or None (with a message) when the inputs cannot train."""
    st.markdown("### Training")
    choice = st.selectbox("Task", list(TASKS), format_func=TASKS.get, key="tr_task")
    task = "sum" if choice == "sign" else choice
    options = {"sign": True} if choice == "sign" else {}
    if choice == "echo":
        options["delay"] = st.slider("Echo delay (steps)", 1, 15, 2, key="tr_delay",
                                     help="Output the input from this many steps ago; longer = harder to learn.")
    if choice == "chars":
        text = st.text_area("Text to learn", task_lib.DEFAULT_TEXT, key="tr_text", height=140,
                            max_chars=task_lib.MAX_TEXT,
                            help=f"2 to {task_lib.MAX_VOCAB} distinct characters, at most {task_lib.MAX_TEXT} "
                                 "characters in all.")
        try:
            options["text"] = task_lib.check_text(text)
        except ValueError as exc:
            st.error(f"Text: {exc}.")
            return None
    hidden = st.slider("Hidden size n", 1, MAX_HIDDEN, 16, key="tr_hidden")
    layers = st.slider("Layers (stacked)", 1, MAX_PAGE_LAYERS, 1, key="tr_layers",
                       help="nn.RNN's num_layers: layer l reads layer l−1's h_t; the output layer sits on the top "
                            "layer. Every layer has n hidden units.")
    activation = st.radio("Activation", ["tanh", "relu"], key="tr_act", horizontal=True)
    init_radius = None
    if st.toggle("Rescale the initial W_h", key="tr_init_on",
                 help="Off: W_h ~ N(0, 1/n) as drawn (spectral radius about 1)."):
        init_radius = st.slider("Initial spectral radius ρ(W_h)", 0.05, 3.0, 0.9, 0.05, key="tr_init")
    optimizer = st.selectbox("Optimizer", list(OPTIMIZERS), index=1, format_func=OPTIMIZERS.get, key="tr_opt")
    lr = read_learning_rate()
    clip = None
    if st.toggle("Clip the gradient's global norm", value=True, key="tr_clip_on"):
        clip = st.number_input("Clip threshold", 0.001, 1e4, 1.0, 0.1, key="tr_clip", format="%g")
    window = st.number_input("Truncated BPTT window (0 = full)", 0, task_lib.MAX_T, 0, 1, key="tr_window",
                             help="Gradients stop at chunk boundaries of this many steps.")
    batch = st.number_input("Batch size (0 = all 32 sequences)", 0, 32, 0, 1, key="tr_batch")
    seed = st.number_input("Seed", 0, 2**31 - 1, 0, 1, key="tr_seed",
                           help="Same seed and settings give the same initial weights and the same run.")
    return dict(task=task, task_options=options or None, hidden=int(hidden), layers=int(layers),
                activation=activation,
                init_radius=init_radius, optimizer=optimizer, lr=float(lr), clip=clip,
                bptt_window=int(window) or None, batch_size=int(batch) or None, seed=int(seed))


def get_session(settings: dict) -> TrainingSession | None:
    """The session's trainer, rebuilt (same seed -> same initial weights) when the settings changed."""
    session = st.session_state.get(SESSION)
    if session is not None and session.settings == settings:
        return session
    try:
        session = TrainingSession.build(settings)
    except ValueError as exc:
        st.error(f"These settings cannot train: {exc}.")
        return None
    st.session_state[SESSION] = session
    st.session_state.pop(GRADCHECK, None)
    return session


def _play() -> None:
    st.session_state[SESSION].playing = True


def _pause() -> None:
    st.session_state[SESSION].playing = False


def _step() -> None:
    session = st.session_state[SESSION]
    session.playing = False
    advance(session, 1)


def _reset() -> None:
    st.session_state[SESSION].reset()
    st.session_state.pop(GRADCHECK, None)


def transport(session: TrainingSession) -> None:
    """Play / pause / step / reset and the frame size, in one row above the live view."""
    cols = st.columns([1, 1, 1, 1, 3, 3], vertical_alignment="bottom")
    diverged = session.trainer.diverged
    cols[0].button("▶", key="tr_play", help="Play", on_click=_play, disabled=diverged or session.playing,
                   width="stretch")
    cols[1].button("❚❚", key="tr_pause", help="Pause", on_click=_pause, disabled=not session.playing,
                   width="stretch")
    cols[2].button("+1", key="tr_step", help="Step: one update", on_click=_step, disabled=diverged,
                   width="stretch")
    cols[3].button("↺", key="tr_reset", help="Reset: back to step 0, same initial weights", on_click=_reset,
                   width="stretch")
    session.steps_per_frame = cols[4].slider("Updates per frame (while playing)", 1, 50, 5, key="tr_spf")
    cols[5].select_slider("Frames per second", FRAME_RATES, value=4, key="tr_fps",
                          help="How often the live charts redraw while playing. On a slow device, if the charts "
                               "flicker or stay blank while playing, pick fewer frames.")


def frame_seconds() -> float:
    return 1.0 / st.session_state.get("tr_fps", 4)


# --------------------------------------------------------------------------- stacked layers: which one to show

def view_layer(session: TrainingSession) -> int:
    """The layer (0-based) the per-layer views show: the picker's choice, the top layer by default."""
    L = session.trainer.layers
    chosen = st.session_state.get(VIEW_LAYER)
    if L == 1 or st.session_state.get(VIEW_LAYER_OF) != L or chosen not in range(1, L + 1):
        return L - 1
    return chosen - 1


def layer_picker(session: TrainingSession) -> None:
    """For stacked layers: pick the layer shown by the gradient/weight heatmaps, the sweep and the check."""
    L = session.trainer.layers
    if L == 1:
        return
    st.session_state[VIEW_LAYER] = view_layer(session) + 1
    st.session_state[VIEW_LAYER_OF] = L
    st.segmented_control("Layer shown in the per-layer views", list(range(1, L + 1)), key=VIEW_LAYER,
                         required=True, format_func=lambda l: f"layer {l}" + (" (top)" if l == L else ""),
                         help="The gradient and weight heatmaps, the backward sweep and the gradient check show "
                              "one layer; loss, predictions and ‖∂L/∂h_t‖ are the whole network's.")


# --------------------------------------------------------------------------- the live view

def current_gradients(session: TrainingSession):
    """(grads, dh_norms, step) of the last update, or of the current weights before any update."""
    if session.snapshots:
        snap = session.snapshots[-1]
        return snap.grads, snap.dh_norms, snap.step
    tr, task = session.trainer, session.trainer.task
    _, _, grads, dh_norms = loss_grads(tr.params, task.x, task.y, task.loss, task.mask, tr.bptt_window)
    return grads, dh_norms, None


def live_numbers(session: TrainingSession, table, caption: str | None = None) -> None:
    """A live chart's numbers, drawn only while paused: tables re-sent several times a second cost the
    browser more than all the charts, and they are read (or copied) with training stopped anyway."""
    if not session.playing:
        widgets.numbers(table, caption)


def draw_live(session: TrainingSession) -> None:
    tr = session.trainer
    task = tr.task
    L, layer = tr.layers, view_layer(session)
    evaluation = tr.eval_test()
    history = tr.history
    last = session.snapshots[-1] if session.snapshots else None
    cols = st.columns(5)
    cols[0].metric("Update", f"{tr.steps_done}")
    cols[1].metric("Training loss", "—" if last is None else f"{last.loss:.4f}",
                   help="Measured on the batch just before the last update.")
    cols[2].metric("Held-out loss", f"{evaluation['loss']:.4f}", help="On the held-out sequence, current weights.")
    if evaluation["accuracy"] is not None:
        cols[3].metric("Held-out accuracy", f"{evaluation['accuracy']:.4f}")
    radii = layer_radii(tr.params)
    if L == 1:
        cols[4].metric("ρ(W_h)", f"{radii[0]:.4f}")
    else:
        cols[4].metric("max ρ(W_h) over layers", f"{max(radii):.4f}",
                       help="; ".join(f"layer {i + 1}: {r:.4f}" for i, r in enumerate(radii)))
    if tr.diverged:
        st.error(f"Training diverged. {tr.divergence_reason} Press Reset (↺) or change the settings to start again.",
                 icon=":material/error:")

    left, right = st.columns(2)
    with left:
        st.plotly_chart(ft.loss_figure(history, task.loss), key="tr_fig_loss")
        st.caption("Notice how fast the loss falls at first and where it flattens; log scale, so equal drops "
                   "are equal factors.")
    layer_history = session.radius_history() if L > 1 else None
    with right:
        st.plotly_chart(ft.radius_figure(history, layer_history), key="tr_fig_radius")
        st.caption("Training moves ρ(W_h); above the dotted line ρ = 1 signals can grow as they travel in time."
                   + (" One line per layer (solid = layer 1): each layer has its own W_h." if L > 1 else ""))
    live_numbers(session, ft.history_table(history, layer_history))

    grads, dh_norms, step = current_gradients(session)
    st.plotly_chart(ft.dh_norms_figure(dh_norms, step, tr.bptt_window, layers=L), key="tr_fig_dh")
    st.caption("Read it right to left: each step back multiplies by W_hᵀ·diag(f'(a_t)); a falling line is a "
               "vanishing gradient, a rising one is exploding."
               + (f" With {L} stacked layers this is the top layer's ∂L/∂h⁽{L}⁾_t (over the batch); the layers "
                  "below receive it through each W_x above them." if L > 1 else "")
               + (" Shown at the initial weights: no update yet." if step is None else ""))
    live_numbers(session, ft.dh_norms_table(dh_norms))

    st.plotly_chart(ft.predictions_figure(evaluation, task.loss, task.vocab), key="tr_fig_pred")
    st.caption("Green is the network, gray dashed the target, on a sequence it never trains on.")
    live_numbers(session, ft.predictions_table(evaluation))
    if task.vocab is not None:
        sample = task.sample(tr.params, seed_char=0, length=200, rng=np.random.default_rng(tr.seed))
        st.markdown("**Text sampled from the model** (feeding each sampled character back in, like min-char-rnn)")
        st.code(sample, language=None, wrap_lines=True)

    st.markdown("**Gradients of the last update** (left to right ∂L/∂W_h, ∂L/∂W_x, ∂L/∂b) **and the weights**"
                + (f" **of layer {layer + 1} of {L}**" if L > 1 else ""))
    grads = layer_grads(grads, layer, L)
    params = layer_list(tr.params)[layer]
    shown = layer + 1 if L > 1 else None
    gcols = st.columns([3, 3, 1])
    for col, name in zip(gcols, ("W_h", "W_x", "b"), strict=True):
        with col:
            st.plotly_chart(ft.matrix_figure(grads[name], ft.GRAD_LABELS[name], "grad", layer=shown),
                            key=f"tr_fig_g_{name}")
    wcols = st.columns([3, 3, 1])
    for col, name in zip(wcols, ("W_h", "W_x", "b"), strict=True):
        with col:
            st.plotly_chart(ft.matrix_figure(getattr(params, name), name, "weight", layer=shown),
                            key=f"tr_fig_w_{name}")
    st.caption("Red is positive, blue negative, on a range ±m shown on each color bar; watch which weights the "
               "gradient pushes hardest."
               + (f" Layer {layer + 1}'s W_x maps " + ("the inputs x_t" if layer == 0 else
                                                      f"layer {layer}'s h_t") + " into its pre-activations; pick "
                  "another layer above." if L > 1 else ""))
    if session.playing:
        return
    with st.expander("Numbers"):
        for name in ("W_h", "W_x", "b"):
            st.caption(ft.GRAD_LABELS[name])
            st.dataframe(ft.matrix_table(grads[name], ft.GRAD_LABELS[name]), width="stretch")
            st.caption(name)
            st.dataframe(ft.matrix_table(getattr(params, name), name), width="stretch")


# --------------------------------------------------------------------------- on-demand sections

SWEEP_CACHE = "tr_sweep_cache"  # (key, frames, figure) of the last backward-sweep view


def backward_section(session: TrainingSession) -> None:
    tr, task = session.trainer, session.trainer.task
    L, layer = tr.layers, view_layer(session)
    st.subheader("The backward pass, step by step" + (f" (layer {layer + 1} of {L})" if L > 1 else ""))
    steps = [0] + [s.step for s in session.snapshots]
    chosen = steps[-1]
    if len(steps) > 1:
        chosen = st.select_slider("Weights after update", steps, value=steps[-1], key="tr_sweep_step")
    top = layer == L - 1
    # The sweep and its animation only change with the weights: kept between reruns of this session.
    cache_key = (repr(sorted(session.settings.items())), tr.steps_done, chosen, layer)  # runs are deterministic
    cached = st.session_state.get(SWEEP_CACHE)
    if cached is None or cached[0] != cache_key:
        if chosen == steps[-1]:
            params = tr.params
        elif chosen == 0:  # the initial weights: the same seed and settings draw them again
            params = TrainingSession.build(session.settings).trainer.params
        else:
            params = session.snapshots[steps.index(chosen) - 1].params
        frames = backward_sweep_layer(params, layer, task.x_test, task.y_test, task.loss, task.mask_test)
        cached = (cache_key, frames, ft.sweep_figure(frames, "output" if top else f"layer {layer + 2} above"))
        st.session_state[SWEEP_CACHE] = cached
    _, frames, figure = cached
    st.plotly_chart(figure, key="tr_fig_sweep")
    st.caption("Press ▶ (or drag the slider): ∂L/∂h_t fills in from t = T back to 0; the lower line shows where "
               "each multiplication by W_hᵀ·diag(f'(a_t)) shrinks or grows the signal. Full BPTT on the "
               "held-out sequence."
               + ("" if L == 1 else f" Layer {layer + 1}'s ∂L/∂h_t, the other layers as they are: "
                  + ("it receives W_yᵀ·∂L/∂y_t from the output at each step." if top else
                     f"at each step it receives W_xᵀ·∂L/∂a_t from layer {layer + 2} (all of layer {layer + 2}'s "
                     "BPTT already done), then runs its own BPTT through its W_h.")))
    widgets.numbers(ft.sweep_table(frames), "In BPTT order; 'gain to t-1' is ‖W_hᵀ·diag(f'(a_t))·∂L/∂h_t‖ / ‖∂L/∂h_t‖.")


def _gradient_check(layer: int) -> None:
    """Button callback (a callback survives the rerun that page_setup may trigger; a button's return value does
    not): the check for one layer (0-based) at the current weights, stored for the section to show."""
    tr = st.session_state[SESSION].trainer
    task = tr.task
    results = gradient_check_layer(tr.params, layer, task.x_test, task.y_test, task.loss, mask=task.mask_test)
    st.session_state[GRADCHECK] = (tr.steps_done, layer, tr.layers, results)


def gradient_check_section(session: TrainingSession) -> None:
    st.subheader("Gradient check")
    tr = session.trainer
    L, layer = tr.layers, view_layer(session)
    which = f" of layer {layer + 1} (the other layers held fixed)" if L > 1 else ""
    st.button("Check BPTT against finite differences" + (f", layer {layer + 1}" if L > 1 else ""),
              key="tr_gradcheck", on_click=_gradient_check, args=(layer,))
    stored = st.session_state.get(GRADCHECK)
    if stored is None:
        st.caption(f"Compares BPTT's gradient for a few weights{which} with (L(w+ε) − L(w−ε)) / 2ε, ε = 1e-5, "
                   "on the held-out sequence at the current weights.")
        return
    step, checked, layers, results = stored
    table = ft.gradient_check_table(results)
    st.caption(f"At update {step}" + (f", layer {checked + 1} of {layers} (the others held fixed)" if layers > 1
                                      else "") + ": relative errors around 1e-7 or smaller mean BPTT is right; "
               "the finite difference itself is only accurate to about that.")
    st.dataframe(table, width="stretch", column_config={
        "BPTT": st.column_config.NumberColumn(format="%.6e"),
        "finite difference": st.column_config.NumberColumn(format="%.6e"),
        "relative error": st.column_config.NumberColumn(format="%.2e")})


def replay_section(session: TrainingSession) -> None:
    st.subheader("Replay the recorded updates")
    st.plotly_chart(ft.replay_figure(session.snapshots, session.trainer.history), key="tr_fig_replay")
    st.caption("Drag the slider or press ▶ to scrub through recorded updates (no recomputation): watch the "
               "gradient's profile over t change as the network learns.")
    widgets.numbers(ft.replay_table(session.snapshots))


def app_root_url() -> str:
    """The app's address without the page path (the simulator's first page lives there)."""
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # no browser context (tests)
        return "./"
    if not parts.netloc:
        return "./"
    path = parts.path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def simulator_section(session: TrainingSession) -> None:
    st.subheader("Open these weights in the simulator")
    state, reason = make_simulator_state(session.trainer)
    if state is None:
        st.warning(f"These weights cannot go to the simulator: {reason}", icon=":material/warning:")
        return
    query = to_query(state)
    if (Path(__file__).parent.parent / CELL_PAGE).exists():
        try:
            st.page_link(CELL_PAGE, label="Open these weights in the cell step-through", icon=":material/open_in_new:",
                         query_params=query)
        except Exception:  # the page is not registered in this run (e.g. a partial app)
            st.info("The simulator page is not available in this app.")
    st.caption("Shareable link: the trained W_x, W_h, b, W_y, b_y, the held-out inputs as x, h_0 = 0.")
    st.code(f"{app_root_url()}?{urlencode(query, safe=',;')}", language=None, wrap_lines=True)


# --------------------------------------------------------------------------- page

widgets.page_setup()
st.title("Training (BPTT)")
st.caption("A vanilla RNN learns a task by backpropagation through time; the gradient that flows back along the "
           "unrolled chain is drawn as it trains.")
with st.sidebar:
    settings = read_settings()
if settings is None:
    st.info("Fix the input in the sidebar to train.")
    st.stop()
session = get_session(settings)
if session is None:
    st.stop()
st.info(session.trainer.task.description, icon=":material/task:")
transport(session)
layer_picker(session)


@st.fragment(run_every=frame_seconds() if session.playing else None)
def live_view() -> None:
    live = st.session_state[SESSION]
    if live.playing:
        advance(live)
        if not live.playing:  # it just diverged: a full rerun stops the timer and updates the controls
            st.rerun()
    draw_live(live)


live_view()
st.divider()
if session.playing:
    st.caption("Pause to refresh the sections below with the latest weights.")
backward_section(session)
gradient_check_section(session)
replay_section(session)
simulator_section(session)
