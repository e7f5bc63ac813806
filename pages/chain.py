"""Unrolled chain: h_0 -> [cell, x_1] -> h_1 -> ... -> h_T, the same weights at every step."""

import streamlit as st

from rnnviz import figures, widgets

widgets.page_setup()
state = widgets.network_sidebar()
st.title("Unrolled chain")
st.caption("The lesson's unrolled view: each box is the same cell with the same W_h, W_x and b; "
           "the arrows carrying h left to right are what make it recurrent.")
widgets.show_warnings()
trace = widgets.simulate(state)

controls = st.columns([3, 1], vertical_alignment="bottom")
with controls[0]:
    t = widgets.step_picker(state)
with controls[1]:
    decimals = widgets.lesson_rounding_toggle()

st.plotly_chart(figures.chain_figure(state.params, trace, t, decimals=decimals), width="stretch",
                key="chain_figure")
st.caption(f"Every cell carries the same tags W_h, W_x, +b: one rule applied {state.T} times (weight sharing). "
           f"h_{t} reaches step {t} only through h_{t - 1}, so h_{t} still carries x_1 … x_{t}. "
           "Hover a square for its exact value.")
if state.T > 30:
    st.info(f"The sequence has {state.T} steps: the chain shows 30 cells around t = {t}. "
            "Move t to slide the window; the heatmaps page shows every step at once.", icon=":material/info:")

with st.expander("Numbers: the chain as a table"):
    st.dataframe(figures.step_table(state.params, trace).round(decimals), width="stretch")
