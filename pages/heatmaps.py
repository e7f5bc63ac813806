"""Sequence & heatmaps: every unit at every step, inputs and outputs over time, the per-step table.

With "Stacked layers" above 1, a_t and h_t of every layer (``rnnviz.stacking``: layer 1 is the sidebar's
network, the layers above are seeded).
"""

import streamlit as st

from rnnviz import figures, live_state, stacking
from rnnviz.engine import Trace
from rnnviz.state import SimState
from rnnviz.ui import live_drag
from rnnviz.ui.page import number_columns, simulator_page, stacked
from rnnviz.ui.simulator_controls import layers_input


def heatmaps_views(state: SimState, trace: Trace, t: int, decimals: int) -> None:
    L = layers_input()

    stack, traces = stacked(state, trace, L)
    net, live = live_drag.live_page(state, stack)
    if L > 1:
        st.caption(stacking.seed_note(state, L))

    for layer, layer_trace in enumerate(traces, start=1):
        suffix = "" if layer == 1 else f"_l{layer}"
        if L > 1:
            reads = "the inputs x_t" if layer == 1 else f"layer {layer - 1}'s h_t as its x_t"
            st.markdown(f"**Layer {layer} of {L}** (reads {reads})")
        a_name, h_name = stacking.symbol("a", layer, L), stacking.symbol("h", layer, L)
        pre_col, h_col = st.columns(2, gap="medium")
        with pre_col:
            live_drag.live_figure(figures.heatmap_figure(layer_trace.pre, a_name, "pre", t=t, decimals=decimals), net,
                                  live_state.heatmap_bindings("pre", layer - 1, state.T), key=f"heatmap_pre{suffix}",
                                  live=live)
            if layer == 1:
                st.caption("Pre-activations a_t can be any size: the color range is ±m, with m on the color bar.")
        with h_col:
            live_drag.live_figure(figures.heatmap_figure(layer_trace.h[1:], h_name, "h", t=t, decimals=decimals), net,
                                  live_state.heatmap_bindings("h", layer - 1, state.T), key=f"heatmap_h{suffix}",
                                  live=live)
            if layer == 1:
                st.caption("tanh squeezes a_t into h_t ∈ [−1, 1] (fixed color range): deep red or blue cells are "
                           "saturated.")

    outside = trace if L == 1 else stacking.io_trace(traces)
    live_drag.live_figure(figures.sequence_figure(outside, t=t, decimals=decimals), net,
                          live_state.sequence_bindings(state.d, state.k, state.T, L - 1), key="sequence", live=live)
    st.caption("Inputs x_t and, with an output layer (k > 0 in the sidebar), outputs y_t = W_y h_t + b_y"
               + ("." if L == 1 else f", computed from the top layer's h⁽{L}⁾_t."))

    st.header("Every step as a table")
    table = figures.stacked_step_table(stack, traces)
    st.dataframe(table, width="stretch", height=min(38 + 35 * len(table), 420),
                 column_config=number_columns(table, decimals))
    st.download_button("Download CSV", table.to_csv().encode("utf-8"), file_name="rnnviz_steps.csv",
                       mime="text/csv", key="heatmaps_csv", help="Exact engine values, full precision.")


simulator_page(
    "Sequence & heatmaps",
    "Rows are hidden units, columns are time steps t = 1 … T (left to right). "
    "Red is positive, blue negative, white 0.",
    views=heatmaps_views)
