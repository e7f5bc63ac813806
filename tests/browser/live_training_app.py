"""Tiny app for the live-training browser test and benchmark (not part of rnnviz).

Query parameters (read once per session): n (hidden size, 16), layers (1), fps (frames per second, 4),
spf (updates per frame, 5), task ("sine").  Play / Pause / +1 / Reset drive the same TrainingSession the
training page uses; the live view is ``rnnviz.ui.live_training.live_view`` inside a run_every fragment.
"""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root, for rnnviz

from rnnviz.training import TrainingSession, advance
from rnnviz.ui.live_training import live_view

SESSION = "live_app_session"


def settings() -> dict:
    qp = st.query_params
    return dict(task=qp.get("task", "sine"), hidden=int(qp.get("n", 16)), layers=int(qp.get("layers", 1)),
                optimizer="adam", lr=0.01, clip=1.0, seed=0)


if SESSION not in st.session_state:
    st.session_state[SESSION] = TrainingSession.build(settings(), steps_per_frame=int(st.query_params.get("spf", 5)))
    st.session_state["fps"] = float(st.query_params.get("fps", 4))
session: TrainingSession = st.session_state[SESSION]


def play():
    session.playing = True


def pause():
    session.playing = False


def step():
    session.playing = False
    advance(session, 1)


def reset():
    session.reset()


cols = st.columns(4)
cols[0].button("Play", on_click=play, key="play", disabled=session.playing)
cols[1].button("Pause", on_click=pause, key="pause", disabled=not session.playing)
cols[2].button("+1", on_click=step, key="step")
cols[3].button("Reset", on_click=reset, key="reset")


@st.fragment(run_every=1.0 / st.session_state["fps"] if session.playing else None)
def live():
    if session.playing:
        advance(session)
    live_view(session, session.trainer.layers - 1, key="live")


live()
st.caption(f"server: playing={session.playing} update={session.trainer.steps_done}")

if st.query_params.get("chain") == "1":
    from rnnviz.live_payload import chain_payload
    from rnnviz.ui.live_chain import chain_view

    task = session.trainer.task
    chain_view(chain_payload(session.trainer.params, session.trainer.layers - 1, task.x_test, task.y_test,
                             task.loss, task.mask_test, update=session.trainer.steps_done), key="chain")

if st.query_params.get("figure") == "1":
    import numpy as np
    import plotly.graph_objects as go

    from rnnviz.ui.live_training import live_figure

    freq = st.slider("Frequency", 1, 10, 2, key="freq")
    ts = np.linspace(0, 1, 200)
    live_figure(go.Figure(go.Scatter(x=ts, y=np.sin(2 * np.pi * freq * ts), name=f"f = {freq}")), key="wave")
