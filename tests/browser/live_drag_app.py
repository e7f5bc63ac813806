"""Tiny app for tests/browser/test_live_drag.py: one live slider (W_x[1,1]) and two live views.

Query: preset (default lesson), n, T (sizes of the preset).  Not part of rnnviz.
"""

import numpy as np
import streamlit as st

from rnnviz import figures, live_state
from rnnviz.engine import forward
from rnnviz.presets import make_preset
from rnnviz.ui import live_drag

DECIMALS = 12  # the test reads the shown numbers back: enough digits to compare to the engine at 1e-12

qp = st.query_params
if "state" not in st.session_state:
    sizes = {k: int(qp[k]) for k in ("n", "T") if k in qp}
    st.session_state.state = make_preset(qp.get("preset", "lesson"), **sizes)
state = st.session_state.state


def _on_w():
    W_x = np.array(st.session_state.state.params.W_x)
    W_x[0, 0] = live_drag.committed_value("w")
    st.session_state.state = st.session_state.state.replace(W_x=W_x)


with st.sidebar:
    live_drag.live_slider("W_x[1,1]", live_state.entry_target("W_x", (0, 0)), float(state.params.W_x[0, 0]),
                          -3.0, 3.0, key="w", on_change=_on_w)

trace = forward(state.params, state.x, state.h0)
live = live_state.live_enabled(state.n, state.T)
if not live:
    st.caption(live_state.release_note())
net = live_state.network_payload([state.params], state.x, [state.h0])
spans, bindings = [], []
for t in range(1, state.T + 1):
    for i in range(state.n):
        span = f"h{t}_{i}"
        value = live_state.fmt(trace.h[t, i], DECIMALS)
        spans.append(f'<div>h_{t}[{i + 1}] = <span data-live="{span}" class="h-value" data-t="{t}" data-i="{i}">'
                     f"{value}</span></div>")
        bindings.append(live_state.binding(span, "text", "h", (t, t + 1), "row", col=i,
                                           fmt_spec={"decimals": DECIMALS}))
live_drag.live_html('<div class="live-numbers">' + "".join(spans) + "</div>", net, bindings, key="numbers",
                    live=live)
t = state.T
live_drag.live_figure(figures.tanh_curve_figure(trace, t), net,
                      live_state.tanh_curve_bindings(t, state.n, state.activation, 4), key="tanh", live=live)
st.markdown(f"committed W_x[1,1] = `{state.params.W_x[0, 0]:.2f}`")
