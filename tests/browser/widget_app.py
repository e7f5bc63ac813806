"""Tiny app the harness self-test drives (tests/browser/test_harness.py); not part of rnnviz."""

import plotly.graph_objects as go
import streamlit as st

st.title("harness fixture")
qp = st.query_params
t = st.slider("Time step t", 0, 10, int(qp.get("t", 3)), key="t")
w = st.slider("Weight", -1.0, 1.0, 0.5, step=0.1, key="w")
n = st.number_input("Units n", 1, 64, int(qp.get("n", 2)), key="n")
act = st.selectbox("Activation", ["tanh", "relu"], key="act")
if st.button("Step"):
    st.session_state.clicks = st.session_state.get("clicks", 0) + 1
st.metric("t shown", str(t))
st.metric("n shown", str(n))
st.metric("w shown", f"{w:.1f}")
st.metric("act shown", act)
st.metric("clicks", str(st.session_state.get("clicks", 0)))
st.metric("x param", qp.get("x", "-"))
st.plotly_chart(go.Figure(go.Scatter(y=[0, t, n])), key="fig")
if qp.get("boom") == "1":
    raise ValueError("boom requested")
