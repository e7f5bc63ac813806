"""Unrolled chain: h_0 -> [cell, x_1] -> h_1 -> ... -> h_T, the same weights at every step.

With "Stacked layers" above 1, one chain per layer (``rnnviz.stacking``), the top layer drawn first.
"""

import streamlit as st

from rnnviz import figures, stacking, widgets

LAYERS = "sim_layers"
LAYERS_KEPT = "sim_layers_value"  # survives page switches (a widget's own key is dropped when it is not drawn)


def _keep_layers() -> None:
    st.session_state[LAYERS_KEPT] = int(st.session_state[LAYERS])


def layers_input() -> int:
    st.session_state[LAYERS] = int(st.session_state.get(LAYERS_KEPT, 1))
    st.columns([1, 3])[0].number_input(
        "Stacked layers", 1, stacking.MAX_LAYERS, step=1, key=LAYERS, on_change=_keep_layers,
        help="nn.RNN's num_layers: layer l reads layer l−1's h_t. Layer 1 is the sidebar's network; "
             "the layers above get seeded weights.")
    return int(st.session_state[LAYERS])


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
L = layers_input()

if L == 1:
    st.plotly_chart(figures.chain_figure(state.params, trace, t, decimals=decimals), width="stretch",
                    key="chain_figure")
    stack, traces = [state.params], [trace]
else:
    try:
        stack, traces = stacking.stacked_traces(state, L)
    except OverflowError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    st.caption(stacking.seed_note(state, L) + " Read the chains bottom to top: the top layer is drawn first, "
               "and each chain's inputs (the dots below its cells) are the h_t of the chain drawn under it.")
    for layer, fig in stacking.chain_figures(stack, traces, t, decimals=decimals):
        st.plotly_chart(fig, width="stretch", key="chain_figure" if layer == 1 else f"chain_figure_l{layer}")
st.caption(f"Every cell carries the same tags W_h, W_x, +b: one rule applied {state.T} times (weight sharing). "
           f"h_{t} reaches step {t} only through h_{t - 1}, so h_{t} still carries x_1 … x_{t}. "
           "Hover a square for its exact value." + ("" if L == 1 else " Each layer has its own W_h, W_x, b, "
                                                    "shared across time within that layer."))
if state.T > 30:
    st.info(f"The sequence has {state.T} steps: the chain shows 30 cells around t = {t}. "
            "Move t to slide the window; the heatmaps page shows every step at once.", icon=":material/info:")

with st.expander("Numbers: the chain as a table"):
    st.dataframe(stacking.stacked_step_table(stack, traces).round(decimals), width="stretch")
