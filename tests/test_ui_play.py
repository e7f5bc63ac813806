"""Play through time on the simulator pages: the tick's arithmetic and the Play / Pause button in AppTest.

AppTest never fires ``st.fragment(run_every=...)`` timers, so the tick (``simulator_controls.play_tick``)
is also run on its own, in a tiny app of its own.
"""

from __future__ import annotations

import pytest
from apptest_utils import no_exception, open_app
from streamlit.testing.v1 import AppTest

from rnnviz import presets
from rnnviz.query import to_query
from rnnviz.ui import simulator_controls as sc


@pytest.mark.parametrize("t,T,expected", [(1, 5, (2, True)), (4, 5, (5, False)), (5, 5, (5, False)),
                                          (1, 2, (2, False))])
def test_next_play_step_stops_at_T(t, T, expected):
    assert sc.next_play_step(t, T) == expected


def test_play_button_starts_and_pauses_and_replays_from_the_end():
    state = presets.make_preset("vanishing").replace(t=3)
    at = open_app("pages/heatmaps.py", to_query(state))
    no_exception(at)
    at.button(key="rnnviz_play").click().run()
    assert at.session_state[sc.PLAYING] is True
    assert at.button(key="rnnviz_play").label == "Pause"
    assert at.session_state["rnnviz_state"].t == 3  # pressing Play does not itself step
    at.button(key="rnnviz_play").click().run()
    assert at.session_state[sc.PLAYING] is False
    assert at.button(key="rnnviz_play").label == "Play"
    at.slider(key="rnnviz_t").set_value(state.T).run()  # at the end, Play starts again from t = 1
    assert at.session_state["rnnviz_state"].t == state.T
    at.button(key="rnnviz_play").click().run()
    assert at.session_state["rnnviz_state"].t == 1
    assert at.session_state[sc.PLAYING] is True
    no_exception(at)


def _tick_app():
    import streamlit as st

    from rnnviz import presets
    from rnnviz.ui import session
    from rnnviz.ui import simulator_controls as sc

    if "rnnviz_state" not in st.session_state:
        session.store_state(presets.make_preset("lesson").replace(t=1))
        session.put(sc.PLAYING, True)
    else:
        sc.play_tick()
    st.write(session.current_state().t, session.get(sc.PLAYING))


def test_play_tick_steps_once_per_tick_and_stops_at_T():
    at = AppTest.from_function(_tick_app).run()
    at.run()  # one tick: t 1 -> 2 = T, so playing stops
    assert at.session_state["rnnviz_state"].t == 2
    assert at.session_state[sc.PLAYING] is False
    at.run()  # a tick at T stays at T
    assert at.session_state["rnnviz_state"].t == 2
