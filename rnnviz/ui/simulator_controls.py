"""The main-area controls the simulator pages share: the step picker, lesson rounding, stacked layers."""

from __future__ import annotations

import streamlit as st

from rnnviz import stacking
from rnnviz.state import SimState
from rnnviz.ui import session
from rnnviz.ui.session import Keys


def decimals() -> int:
    """4 decimals, or 3 when "round like the lesson" is on."""
    return 3 if session.get(Keys.DECIMALS, False) else 4


def lesson_rounding_toggle() -> int:
    st.toggle("Round like the lesson (3 decimals)", key=Keys.DECIMALS,
              help="Display only: the engine always computes exactly; this shows 3 decimals like the lesson.")
    return decimals()


def _on_t_slider() -> None:
    session.set_step(session.get(Keys.T))


def step_picker(state: SimState) -> int:
    """Pick step t: a slider (arrow keys step it) plus previous/next buttons."""
    if state.T == 1:
        st.caption("The sequence has a single step: t = 1.")
        return 1
    session.sync_widget(Keys.T, state.t, state.T)
    left, mid, right = st.columns([1, 10, 1], vertical_alignment="bottom")
    left.button("◀", key=Keys.PREV, help="Previous step", on_click=session.set_step, args=(state.t - 1,),
                disabled=state.t <= 1, width="stretch")
    mid.slider("Step t", 1, state.T, key=Keys.T, on_change=_on_t_slider,
               help="Click the slider, then use ← → (Home / End) to step through time.")
    right.button("▶", key=Keys.NEXT, help="Next step", on_click=session.set_step, args=(state.t + 1,),
                 disabled=state.t >= state.T, width="stretch")
    return state.t


def _on_layers(key: str) -> None:
    session.update_state(L=session.get(key))


def layers_input(key: str = Keys.LAYERS, label: str = "Stacked layers") -> int:
    """The "Stacked layers" number input of the heatmaps, chain and PyTorch pages: the state's L (also under Sizes)."""
    session.sync_widget(key, session.current_state().L)
    st.columns([1, 3])[0].number_input(
        label, 1, stacking.MAX_LAYERS, step=1, key=key, on_change=_on_layers, args=(key,),
        help="nn.RNN's num_layers: layer l reads layer l−1's h_t. Every layer is editable in the sidebar "
             "(Weights → layer to edit) and carried in the link.")
    return session.current_state().L
