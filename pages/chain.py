"""Unrolled chain: h_0 -> [cell, x_1] -> h_1 -> ... -> h_T, the same weights at every step.

With "Stacked layers" above 1, one chain per layer (``rnnviz.stacking``), the top layer drawn first.
"""

import streamlit as st

from rnnviz import figures, live_state, stacking
from rnnviz.engine import Trace
from rnnviz.figures.chain import MAX_CELLS, chain_window
from rnnviz.figures.style import table_view
from rnnviz.state import SimState
from rnnviz.ui import live_drag
from rnnviz.ui.page import numbers, simulator_page, stacked
from rnnviz.ui.simulator_controls import layers_input


def chain_views(state: SimState, trace: Trace, t: int, decimals: int) -> None:
    L = layers_input()

    stack, traces = stacked(state, trace, L)
    net, live = live_drag.live_page(state, stack)
    lo, hi = chain_window(state.T, t, MAX_CELLS)
    if L == 1:
        live_drag.live_figure(figures.chain_figure(state.params, trace, t, decimals=decimals), net,
                              live_state.chain_bindings(state.n, lo, hi, decimals), key="chain_figure", live=live,
                              moving=live_state.CHAIN_MOVING)
    else:
        st.caption(stacking.seed_note(state, L) + " Read the chains bottom to top: the top layer is drawn first, "
                   "and each chain's inputs (the dots below its cells) are the h_t of the chain drawn under it.")
        for layer, fig in figures.chain_figures(stack, traces, t, decimals=decimals):
            live_drag.live_figure(fig, net, live_state.chain_bindings(state.n, lo, hi, decimals, layer=layer - 1),
                                  key="chain_figure" if layer == 1 else f"chain_figure_l{layer}", live=live,
                                  moving=live_state.CHAIN_MOVING)
    carries = (f"h_{t} reaches step {t} only through h_{t - 1}, so h_{t} still carries x_1 … x_{t}. " if t > 1
               else "h_1 is the first state to carry an input: x_1. ")
    st.caption(f"Every cell carries the same tags W_h, W_x, +b: one rule applied {state.T} times (weight sharing). "
               + carries + "Hover a square for its exact value."
               + ("" if L == 1 else " Each layer has its own W_h, W_x, b, shared across time within that layer."))
    if state.T > MAX_CELLS:
        st.info(f"The sequence has {state.T} steps: the chain shows {MAX_CELLS} cells around t = {t}. "
                "Move t to slide the window; the heatmaps page shows every step at once.", icon=":material/info:")

    numbers(lambda: table_view(figures.stacked_step_table(stack, traces).round(decimals), decimals),
            title="Numbers: x, a, h (and y) at every step" + ("" if L == 1 else ", every layer"))


simulator_page(
    "Unrolled chain",
    "The lesson's unrolled view: each box is the same cell with the same W_h, W_x and b; "
    "the arrows carrying h left to right are what make it recurrent.",
    views=chain_views)
