"""Training (BPTT): an RNN learns a task while the gradients flowing back through time are drawn live.

Thin page: widgets from ``rnnviz.ui.training_controls``, the loop from ``rnnviz.training`` (TrainingSession,
advance), what the page computes from ``rnnviz.training_setup``, every chart from ``rnnviz.figures.training``.
While playing, only the fragment ``live_view`` reruns.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from rnnviz import training_setup as setup
from rnnviz.figures import training as ft
from rnnviz.query import to_query
from rnnviz.training import TrainingSession, advance, backward_sweep_layer, layer_grads, layer_list
from rnnviz.training import simulator_state as make_simulator_state
from rnnviz.ui import training_controls as controls
from rnnviz.ui.page import numbers, page
from rnnviz.ui.session import share_url

CELL_PAGE = "pages/cell.py"


def draw_live(session: TrainingSession) -> None:
    tr, task = session.trainer, session.trainer.task
    L, layer = tr.layers, controls.view_layer(session)
    evaluation = tr.eval_test()
    controls.live_metrics(session, evaluation)
    left, right = st.columns(2)
    with left:
        st.plotly_chart(ft.loss_figure(tr.history, task.loss), key="tr_fig_loss")
        st.caption("Notice how fast the loss falls at first and where it flattens; log scale, so equal drops "
                   "are equal factors.")
    layer_history = session.radius_history() if L > 1 else None
    with right:
        st.plotly_chart(ft.radius_figure(tr.history, layer_history), key="tr_fig_radius")
        st.caption("Training moves ρ(W_h); above the dotted line ρ = 1 signals can grow as they travel in time."
                   + (" One line per layer (solid = layer 1): each layer has its own W_h." if L > 1 else ""))
    controls.live_numbers(session, ft.history_table(tr.history, layer_history))

    grads, dh_norms, step = setup.current_gradients(session)
    st.plotly_chart(ft.dh_norms_figure(dh_norms, step, tr.bptt_window, layers=L), key="tr_fig_dh")
    st.caption(setup.dh_caption(L, step))
    controls.live_numbers(session, ft.dh_norms_table(dh_norms))

    st.plotly_chart(ft.predictions_figure(evaluation, task.loss, task.vocab), key="tr_fig_pred")
    st.caption("Green is the network, gray dashed the target, on a sequence it never trains on.")
    controls.live_numbers(session, ft.predictions_table(evaluation))
    if task.vocab is not None:
        sample = task.sample(tr.params, seed_char=0, length=200, rng=np.random.default_rng(tr.seed))
        st.markdown("**Text sampled from the model** (feeding each sampled character back in, like min-char-rnn)")
        st.code(sample, language=None, wrap_lines=True)

    st.markdown("**Gradients of the last update** (left to right ∂L/∂W_h, ∂L/∂W_x, ∂L/∂b) **and the weights**"
                + (f" **of layer {layer + 1} of {L}**" if L > 1 else ""))
    grads, params = layer_grads(grads, layer, L), layer_list(tr.params)[layer]
    shown = layer + 1 if L > 1 else None
    for col, name in zip(st.columns([3, 3, 1]), ("W_h", "W_x", "b"), strict=True):
        col.plotly_chart(ft.matrix_figure(grads[name], ft.GRAD_LABELS[name], "grad", layer=shown),
                         key=f"tr_fig_g_{name}")
    for col, name in zip(st.columns([3, 3, 1]), ("W_h", "W_x", "b"), strict=True):
        col.plotly_chart(ft.matrix_figure(getattr(params, name), name, "weight", layer=shown), key=f"tr_fig_w_{name}")
    st.caption(setup.weights_caption(L, layer))
    controls.matrix_numbers(session, grads, params)


@st.cache_data(max_entries=16, show_spinner=False)
def backward_sweep(settings_key: str, step: int, layer: int, _session: TrainingSession):
    """(frames, figure) of the sweep after update ``step``: the same settings and step are the same weights."""
    task, top = _session.trainer.task, layer == _session.trainer.layers - 1
    params = setup.params_after(_session, step)
    frames = backward_sweep_layer(params, layer, task.x_test, task.y_test, task.loss, task.mask_test)
    return frames, ft.sweep_figure(frames, "output" if top else f"layer {layer + 2} above")


def backward_section(session: TrainingSession) -> None:
    L, layer = session.trainer.layers, controls.view_layer(session)
    st.subheader("The backward pass, step by step" + (f" (layer {layer + 1} of {L})" if L > 1 else ""))
    steps = setup.recorded_steps(session)
    chosen = steps[-1]
    if len(steps) > 1:
        chosen = st.select_slider("Weights after update", steps, value=steps[-1], key="tr_sweep_step")
    frames, figure = backward_sweep(setup.settings_key(session.settings), chosen, layer, session)
    st.plotly_chart(figure, key="tr_fig_sweep")
    st.caption(setup.sweep_caption(L, layer))
    numbers(ft.sweep_table(frames), "In BPTT order; 'gain to t-1' is ‖W_hᵀ·diag(f'(a_t))·∂L/∂h_t‖ / ‖∂L/∂h_t‖.")


def replay_section(session: TrainingSession) -> None:
    st.subheader("Replay the recorded updates")
    st.plotly_chart(ft.replay_figure(session.snapshots, session.trainer.history), key="tr_fig_replay")
    st.caption("Drag the slider or press ▶ to scrub through recorded updates (no recomputation): watch the "
               "gradient's profile over t change as the network learns.")
    numbers(ft.replay_table(session.snapshots))


def simulator_section(session: TrainingSession) -> None:
    st.subheader("Open these weights in the simulator")
    state, reason = make_simulator_state(session.trainer)
    if state is None:
        st.warning(f"These weights cannot go to the simulator: {reason}", icon=":material/warning:")
        return
    try:
        st.page_link(CELL_PAGE, label="Open these weights in the cell step-through", icon=":material/open_in_new:",
                     query_params=to_query(state))
    except Exception:  # the page is not registered in this run (e.g. a partial app)
        st.info("The simulator page is not available in this app.")
    st.caption("Shareable link: the trained W_x, W_h, b, W_y, b_y, the held-out inputs as x, h_0 = 0.")
    st.code(share_url(state, landing=True), language=None, wrap_lines=True)


page("Training (BPTT)", "A vanilla RNN learns a task by backpropagation through time; the gradient that flows "
     "back along the unrolled chain is drawn as it trains.", sidebar=False)
with st.sidebar:
    settings = controls.read_settings()
if settings is None:
    st.info("Fix the input in the sidebar to train.")
    st.stop()
session = controls.get_session(settings)
if session is None:
    st.stop()
st.info(session.trainer.task.description, icon=":material/task:")
controls.transport(session)
controls.layer_picker(session)


@st.fragment(run_every=controls.frame_seconds() if session.playing else None)
def live_view() -> None:
    live = controls.live_session()
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
st.subheader("Gradient check")
controls.gradient_check(session)
replay_section(session)
simulator_section(session)
