"""Training (BPTT): an RNN learns a task while the gradients flowing back through time are drawn live.

Thin page: widgets and the live view from ``rnnviz.ui.training_controls`` (the live charts are one component
that stays mounted and takes each frame's changes), the loop from ``rnnviz.training``, what the page computes
from ``rnnviz.training_setup``, the other charts from ``rnnviz.figures.training``.  While playing, only the
fragment ``live_view`` reruns, and a press of a run control reruns it first (the page follows).
"""

from __future__ import annotations

import streamlit as st

from rnnviz import training_setup as setup
from rnnviz.figures import training as ft
from rnnviz.live_payload import chain_payload
from rnnviz.training import TrainingSession, backward_sweep_layer
from rnnviz.training import simulator_state as make_simulator_state
from rnnviz.ui import messages as show
from rnnviz.ui import training_controls as controls
from rnnviz.ui.live_chain import chain_view
from rnnviz.ui.page import numbers, page
from rnnviz.ui.session import page_share_url

CELL_PAGE = "pages/cell.py"


@st.cache_data(max_entries=16, show_spinner=False)
def backward_sweep(settings_key: str, step: int, layer: int, _session: TrainingSession):
    """(frames, figure) of the sweep after update ``step``: the same settings and step are the same weights."""
    task, top = _session.trainer.task, layer == _session.trainer.layers - 1
    params = setup.params_after(_session, step)
    frames = backward_sweep_layer(params, layer, task.x_test, task.y_test, task.loss, task.mask_test)
    return frames, ft.sweep_figure(frames, "output" if top else f"layer {layer + 2} above")


def backward_section(session: TrainingSession) -> None:
    L, layer = session.trainer.layers, controls.view_layer(session)
    st.header("The backward pass, step by step" + (f" (layer {layer + 1} of {L})" if L > 1 else ""))
    steps = setup.recorded_steps(session)
    chosen = steps[-1]
    if len(steps) > 1:
        chosen = st.select_slider("Weights after update", steps, value=steps[-1], key="tr_sweep_step")
    frames, figure = backward_sweep(setup.settings_key(session.settings), chosen, layer, session)
    task = session.trainer.task
    chain_view(chain_payload(setup.params_after(session, chosen), layer, task.x_test, task.y_test, task.loss,
                             task.mask_test, update=chosen), key="tr_chain")
    st.caption("Press ▶ or drag: ∂L/∂h_t reaches the chain's boxes from t = T back to 0 (colour: ‖∂L/∂h_t‖, log "
               "scale; hover a box for its value). Each arrow carries W_hᵀ·diag(f'(a_t)): its label is the most "
               "that step can grow a gradient (below 1 it always shrinks it); hover for what it did to this one.")
    st.plotly_chart(figure, key="tr_fig_sweep")
    st.caption(setup.sweep_caption(L, layer))
    numbers(ft.sweep_table(frames), "In BPTT order; 'gain to t-1' is ‖W_hᵀ·diag(f'(a_t))·∂L/∂h_t‖ / ‖∂L/∂h_t‖.")


def replay_section(session: TrainingSession) -> None:
    st.header("Replay the recorded updates")
    st.plotly_chart(ft.replay_figure(session.snapshots, session.trainer.history), key="tr_fig_replay")
    st.caption("Drag the slider or press ▶ to scrub through recorded updates (no recomputation): watch the "
               "gradient's profile over t change as the network learns.")
    numbers(ft.replay_table(session.snapshots))


def simulator_section(session: TrainingSession) -> None:
    st.header("Open these weights in the simulator")
    state, reason = make_simulator_state(session.trainer)
    if state is None:
        show.warn(f"These weights cannot go to the simulator: {reason}")
        return
    query = controls.simulator_link(session, state)
    if query is None:
        show.info("These weights are too many digits for a link: save them on the PyTorch page's weights file "
                  "instead.", icon=":material/link_off:")
        return
    try:
        st.page_link(CELL_PAGE, label="Open these weights in the cell step-through", icon=":material/open_in_new:",
                     query_params=query)
    except Exception:  # the page is not registered in this run (e.g. a partial app)
        st.info("The simulator page is not available in this app.")
    controls.link_box(page_share_url(query, landing=True),
                      "it opens these weights (every layer), the held-out inputs as x and h_0 = 0 on the simulator.")


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
show.info(session.trainer.task.description, icon=":material/task:")
controls.share_run(session)
controls.layer_picker(session)


@st.fragment(run_every=controls.frame_seconds() if session.playing else None)
def live_view() -> None:
    """The run controls and the live view: the timer and a press of a control rerun this alone."""
    live = controls.live_session()
    buttons = st.container()  # above the live view, drawn after the frame: they show the state it leaves
    if live.playing:
        controls.play_frame(live)
    with buttons:
        controls.transport(live)
    controls.live_section(live)
    controls.follow_page()  # Play, Pause, +1, Reset, a new frame rate, divergence: the page follows


controls.page_drawn()
live_view()
st.divider()
if session.playing:
    st.caption("Pause to refresh the sections below with the latest weights.")
backward_section(session)
st.header("Gradient check")
controls.gradient_check(session)
replay_section(session)
simulator_section(session)
