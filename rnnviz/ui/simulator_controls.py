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


def _keep_layers() -> None:
    session.put(Keys.LAYERS_KEPT, int(session.get(Keys.LAYERS)))


def layers_input() -> int:
    """The "Stacked layers" number input shared by the heatmaps and chain pages."""
    session.put(Keys.LAYERS, int(session.get(Keys.LAYERS_KEPT, 1)))
    st.columns([1, 3])[0].number_input(
        "Stacked layers", 1, stacking.MAX_LAYERS, step=1, key=Keys.LAYERS, on_change=_keep_layers,
        help="nn.RNN's num_layers: layer l reads layer l−1's h_t. Layer 1 is the sidebar's network; "
             "the layers above get seeded weights.")
    return int(session.get(Keys.LAYERS))
