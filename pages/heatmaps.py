"""Sequence & heatmaps: every unit at every step, inputs and outputs over time, the per-step table."""

import streamlit as st

from rnnviz import figures, widgets

widgets.page_setup()
state = widgets.network_sidebar()
st.title("Sequence & heatmaps")
st.caption("Rows are hidden units, columns are time steps t = 1 … T (left to right). "
           "Red is positive, blue negative, white 0.")
widgets.show_warnings()
trace = widgets.simulate(state)

controls = st.columns([3, 1], vertical_alignment="bottom")
with controls[0]:
    t = widgets.step_picker(state)
with controls[1]:
    decimals = widgets.lesson_rounding_toggle()

pre_col, h_col = st.columns(2, gap="medium")
with pre_col:
    st.plotly_chart(figures.heatmap_figure(trace.pre, "a", "pre", t=t, decimals=decimals), width="stretch",
                    key="heatmap_pre")
    st.caption("Pre-activations a_t can be any size: the color range is ±m, with m on the color bar.")
with h_col:
    st.plotly_chart(figures.heatmap_figure(trace.h[1:], "h", "h", t=t, decimals=decimals), width="stretch",
                    key="heatmap_h")
    st.caption("tanh squeezes a_t into h_t ∈ [−1, 1] (fixed color range): deep red or blue cells are saturated.")

st.plotly_chart(figures.sequence_figure(trace, t=t, decimals=decimals), width="stretch", key="sequence")
st.caption("Inputs x_t and, with an output layer (k > 0 in the sidebar), outputs y_t = W_y h_t + b_y.")

st.subheader("Every step as a table")
table = figures.step_table(state.params, trace)
st.dataframe(table.round(decimals), width="stretch", height=min(38 + 35 * len(table), 420))
st.download_button("Download CSV", table.to_csv().encode("utf-8"), file_name="rnnviz_steps.csv",
                   mime="text/csv", key="heatmaps_csv", help="Exact engine values, full precision.")
