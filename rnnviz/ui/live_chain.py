"""The backward pass flowing back along the unrolled chain, played in the browser from one payload.

    chain_view(chain_payload(params, layer, x, y, loss, mask, update=12), key="tr_chain")

∂L/∂h_t appears box by box from t = T back to 0, each box coloured by ‖∂L/∂h_t‖ on a log scale (exact value
on hover), each arrow h_t -> h_{t-1} labelled by ‖W_hᵀ·diag(f'(a_t))‖₂, the most that step can grow a
gradient (its hover also says what it did to this one).  Play / pause / scrub / speed run in the browser
(``assets/live_chain.js``): no server rerun per step.  The numbers come from ``rnnviz.live_payload.chain_payload``
(the engine's BPTT).  The browser reports its position in ``window.__rnnvizChain[key]`` = {k, t, playing, T}.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.live_payload import encode
from rnnviz.ui.live_training import module_loader, serve_assets

_COMPONENT = st.components.v2.component("rnnviz_live_chain", js=module_loader("live_chain.js"),
                                        isolate_styles=False)


def chain_view(payload: dict, key: str = "tr_chain") -> None:
    """Mount (or replace the numbers of) the chain animation; payload from ``live_payload.chain_payload``."""
    serve_assets()
    _COMPONENT(key=key, data=encode(payload))
