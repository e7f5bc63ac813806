"""Cell step-through: the lesson's derivation for one step, with the live numbers in."""

import streamlit as st

from rnnviz import explain, figures, latex, live_state
from rnnviz.analysis import step_terms
from rnnviz.engine import Trace
from rnnviz.figures.style import table_view
from rnnviz.state import SimState, default_state
from rnnviz.ui import live_drag
from rnnviz.ui.page import numbers, simulator_page


def cell_views(state: SimState, trace: Trace, t: int, decimals: int) -> None:
    terms = step_terms(state.params, trace, t)
    p = state.params
    net, live = live_drag.live_page(state)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.header(f"Step t = {t} of {state.T}")
        numbers_html, numbers_bindings = live_state.step_numbers([trace], t, p.activation, decimals)
        live_drag.live_html(numbers_html, net, numbers_bindings, key="cell_numbers", live=live)
        weights = dict(W_h=p.W_h, W_x=p.W_x, W_y=p.W_y, b_y=p.b_y)
        live_drag.live_latex(latex.derivation(terms, t, p.activation, decimals, **weights),
                             latex.derivation_template(terms, t, p.activation, decimals, **weights), net,
                             key="cell_derivation", decimals=decimals, live=live)
        lesson = default_state()
        if explain.is_lesson_example(p, state.x, state.h0, lesson.params, lesson.x):
            st.info(
                "**Why −0.0888 and not the lesson's −0.090?** The lesson writes each intermediate with 3 decimals. "
                "It carries h₁ as [0.935, 0.716] and writes W_h h₁ = [0.610, 0.710], but 0.5 × 0.935 + 0.2 × 0.716 "
                "= 0.6107: cut to 0.610, a₂[1] becomes −0.090 and tanh(−0.090) = −0.090. Carried exactly, "
                "a₂[1] = −0.0890 and h₂[1] = −0.0888. This app never rounds before the end: it prints the engine's "
                "exact numbers (turn on *Round like the lesson* to see them with 3 decimals).",
                icon=":material/info:",
            )
            numbers(lambda: explain.lesson_comparison(p, trace),
                    "'By hand' keeps 3 decimals at every line, dropping the rest, as the lesson did. It reproduces "
                    "every printed number but h₂[2]: the lesson's 0.389 is the exact 0.3888 rounded, while "
                    "tanh(0.410) = 0.388.", title="The lesson's hand arithmetic next to the exact values",
                    hide_index=True)
    with right:
        live_drag.live_figure(figures.tanh_curve_figure(trace, t, decimals=decimals), net,
                              live_state.tanh_curve_bindings(t, state.n, p.activation, decimals), key="cell_tanh",
                              live=live)
        st.caption("Points near the flat ends of the curve are saturated: there the slope f′(a) is almost 0, "
                   "so the input barely moves h and gradients barely flow back.")

    numbers(lambda: table_view(figures.step_table(p, trace).round(decimals), decimals),
            title="Numbers: x, a, h (and y) at every step")


def cell_dimensions(state: SimState) -> None:
    """The lesson's shapes and parameter count: they depend on the sizes only, so a weight edit leaves them."""
    p = state.params
    st.header("Dimensions")
    dims, count = st.columns([3, 2], gap="large")
    with dims:
        st.dataframe(explain.dimension_table(p), hide_index=True, width="stretch")
        st.markdown("  \n".join(explain.dimension_checks(p)))
    with count:
        st.markdown("**Parameters** (shared by every step)")
        st.latex(explain.parameter_count(p))
        st.caption(f"The same {p.num_params} numbers are used at all T = {state.T} steps: "
                   "the count does not depend on the sequence length.")


simulator_page(
    "Cell step-through",
    "One step of h_t = f(W_h h_(t-1) + W_x x_t + b), with every number computed by the engine. "
    "Change the network (sidebar; on a phone, the Network controls button) and every number below changes.",
    views=cell_views, after=cell_dimensions)
