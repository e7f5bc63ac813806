"""The main-area controls the simulator pages share: the step picker, lesson rounding, stacked layers."""

from __future__ import annotations

import streamlit as st

from rnnviz import stacking
from rnnviz.state import SimState
from rnnviz.ui import parts, session
from rnnviz.ui.session import Keys


def decimals() -> int:
    """4 decimals, or 3 when "round like the lesson" is on."""
    return 3 if session.get(Keys.DECIMALS, False) else 4


def lesson_rounding_toggle() -> None:
    st.toggle("Round like the lesson (3 decimals)", key=Keys.DECIMALS, on_change=parts.after_step,
              help="Display only: the engine always computes exactly; this shows 3 decimals like the lesson.")


def _on_t_slider() -> None:
    step_to(session.get(Keys.T))


def step_to(t: int) -> None:
    """Move to step t (a button's or the slider's callback): the step picker, the views and the link follow."""
    session.set_step(t)
    parts.after_step()


PLAYING = "rnnviz_playing"  # True while "Play" steps t forward on its own
PACE = "rnnviz_pace"  # the pace widget: steps per second
FULL_RUN = "rnnviz_play_full_run"  # set while the whole page runs; a timer tick runs the fragment alone
PACES = [1, 2, 4, 8]  # steps per second offered; 4 is TensorFlow Playground's brisk default
DEFAULT_PACE = 4


def next_play_step(t: int, T: int) -> tuple[int, bool]:
    """One tick of "Play": (the next step, still playing?); playing stops on reaching T."""
    t = min(t + 1, T)
    return t, t < T


def play_tick() -> None:
    """Advance the shown step by one (the timer's work; AppTest calls it directly: timers don't tick there)."""
    state = session.current_state()
    t, playing = next_play_step(state.t, state.T)
    session.set_step(t)
    session.put(PLAYING, playing)


def _toggle_play() -> None:
    playing = not session.get(PLAYING, False)
    if playing and session.current_state().t >= session.current_state().T:
        session.set_step(1)  # play again from the start, like a video at its end
    session.put(PLAYING, playing)
    parts.after_step()


def step_picker(state: SimState) -> None:
    """Pick step t: a slider (arrow keys step it), Previous / Play / Next buttons and the play pace."""
    if state.T == 1:
        st.caption("The sequence has a single step: t = 1.")
        return
    session.sync_widget(Keys.T, state.t, state.T)
    st.slider("Step t", 1, state.T, key=Keys.T, on_change=_on_t_slider,
              help="Click the slider, then use ← → (Home / End) to step through time.")
    playing = bool(session.get(PLAYING, False))
    with st.container(horizontal=True, vertical_alignment="center", key="rnnviz_step_buttons", gap="small"):
        st.button("Previous", key=Keys.PREV, icon=":material/chevron_left:", help="Previous step (t − 1)",
                  on_click=step_to, args=(state.t - 1,), disabled=state.t <= 1)
        st.button("Pause" if playing else "Play", key="rnnviz_play", on_click=_toggle_play,
                  icon=":material/pause:" if playing else ":material/play_arrow:", type="primary",
                  help="Step t forward on its own from the current step to T at the chosen pace.")
        st.button("Next", key=Keys.NEXT, icon=":material/chevron_right:", icon_position="right",
                  help="Next step (t + 1)", on_click=step_to, args=(state.t + 1,), disabled=state.t >= state.T)
        st.selectbox("Pace", PACES, index=PACES.index(DEFAULT_PACE), key=PACE, format_func=lambda v: f"{v} steps/s",
                     label_visibility="collapsed", width=140, help="Play's pace: steps per second.")
    if playing:
        _player(1.0 / float(session.get(PACE) or DEFAULT_PACE))


def _on_layers(key: str) -> None:
    session.update_state(L=session.get(key))
    parts.rerun_page()  # drawn in the views fragment, but the sidebar's sizes and layer picker change too


def _player(interval: float) -> None:
    """A timer fragment: every ``interval`` seconds one ``play_tick`` and a rerun of the whole page."""
    session.put(FULL_RUN, True)

    @st.fragment(run_every=interval)
    def tick() -> None:
        if session.get(FULL_RUN):  # drawn as part of the page's own run: the page already shows this step
            session.put(FULL_RUN, False)
            return
        if session.get(PLAYING):
            play_tick()
            st.rerun(scope="app")

    tick()


def layers_input(key: str = Keys.LAYERS, label: str = "Stacked layers") -> int:
    """The "Stacked layers" number input of the heatmaps, chain and PyTorch pages: the state's L (also under Sizes)."""
    session.sync_widget(key, session.current_state().L)
    st.columns([1, 3])[0].number_input(
        label, 1, stacking.MAX_LAYERS, step=1, key=key, on_change=_on_layers, args=(key,),
        help="nn.RNN's num_layers: layer l reads layer l−1's h_t. Every layer is editable in the sidebar "
             "(Weights → layer to edit) and carried in the link.")
    return session.current_state().L
