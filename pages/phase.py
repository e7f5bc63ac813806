"""Phase portrait of h_0 -> h_T, and the ripple of a nudge to one input."""

import streamlit as st

from rnnviz import figures, live_state
from rnnviz.analysis import pca_projection, ripple
from rnnviz.engine import Trace
from rnnviz.figures.style import table_view
from rnnviz.state import SimState
from rnnviz.ui import live_drag
from rnnviz.ui.page import numbers, simulator_page


def phase_views(state: SimState, trace: Trace, t: int, decimals: int) -> None:
    projection = pca_projection(trace.h)
    net, live = live_drag.live_page(state)
    notes = {
        "identity": "the plane of h[1], h[2] itself",
        "pca": "n > 2: a fixed PCA projection of h_0 … h_T",
        "line": "n = 1: h[1] on one axis",
    }
    portrait, ripple_col = st.columns(2, gap="large")
    with portrait:
        live_drag.live_figure(figures.phase_portrait_figure(projection.coords, projection.labels, t,
                                                            title_note=notes[projection.method], decimals=decimals),
                              net, live_state.phase_bindings(t, state.T, projection.mean, projection.components),
                              key="phase_portrait", live=live)
        box = " inside the dashed [−1, 1]² box tanh allows" if projection.method == "identity" else ""
        st.caption(f"The hidden state moves from h_0 (light) to h_{state.T} (dark){box}; "
                   f"the ring marks h_{t}. Each arrow is one application of the same cell.")
        numbers(lambda: table_view(figures.phase_table(projection.coords, projection.labels).round(decimals),
                                   decimals),
                title="Numbers: the trajectory")

    with ripple_col:
        eps = st.select_slider("Nudge size ε", options=[1e-4, 1e-3, 1e-2, 1e-1], value=1e-3, key="phase_eps",
                               format_func=lambda v: f"{v:g}")
        unit = None
        if state.d > 1:
            choice = st.selectbox("Nudge which input", ["all inputs"] + [f"x[{j}]" for j in range(1, state.d + 1)],
                                  key="phase_unit")
            unit = None if choice == "all inputs" else int(choice[2:-1])
        result = ripple(state.params, state.x, state.h0, t, eps=eps, unit=unit, trace=trace)
        live_drag.live_figure(figures.ripple_figure(result.delta, t, eps, linearised=result.linearised), net,
                              live_state.ripple_bindings(t, state.T, eps, state.d, unit), key="ripple", live=live,
                              moving=live_state.RIPPLE_MOVING)
        st.caption(f"Nudge x_{t} by ε and rerun: how far does each later h_s move? A falling line is memory fading "
                   "(vanishing); a flat or rising one is memory that persists (or explodes). Pick t above.")
        numbers(lambda: table_view(figures.ripple_table(result)), title="Numbers: the ripple")


simulator_page("Phase portrait & ripple", None, views=phase_views)
