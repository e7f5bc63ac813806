"""PyTorch bridge: the current network as nn.RNN code, weight files out and in, and a cross-check against torch."""

import streamlit as st

from rnnviz import torch_bridge, weights_io
from rnnviz.text import excerpt
from rnnviz.ui import messages as show
from rnnviz.ui import session
from rnnviz.ui.page import page
from rnnviz.ui.session import Keys
from rnnviz.ui.simulator_controls import layers_input


def _on_upload() -> None:
    upload = session.get(Keys.WEIGHTS_UPLOAD)
    if upload is None:
        return
    state, messages = weights_io.load_weights(upload.getvalue(), upload.name, base=session.current_state())
    if state is None:
        session.put(Keys.WARNINGS, [])  # an earlier upload's notes do not belong under this file's errors
        session.put(Keys.WEIGHTS_RESULT, (False, messages))
        return
    session.store_state(state, messages)  # the run that follows this callback shows the new network everywhere
    session.put(Keys.WEIGHTS_RESULT, (True, [f"Loaded {excerpt(upload.name, 60)}: n = {state.n}, d = {state.d}, "
                                             f"k = {state.k}, T = {state.T}, L = {state.L}, {state.activation}."]))


state = page(
    "PyTorch bridge",
    "The network in the sidebar as PyTorch code, with its exact weights and inputs written in. "
    "rnnviz's b is PyTorch's bias_ih; PyTorch's second bias, bias_hh, is zero.")

result = session.pop(Keys.WEIGHTS_RESULT)
if result is not None:
    ok, messages = result
    if ok:
        show.success(messages[0], icon=":material/upload_file:")
    else:
        for message in messages:
            show.error(message)

layers = layers_input("pytorch_layers", "Layers (nn.RNN num_layers)")
if layers > 1:
    st.caption(f"Layer l reads layer l−1's hidden states h_t as its input. Layers 2..{layers} are the simulator's "
               "stacked layers: edit them in the sidebar (Weights → layer to edit); the link carries them.")

code_col, side = st.columns([3, 2], gap="large")
with code_col:
    st.header("Code")
    st.code(torch_bridge.torch_code(state, layers), language="python", line_numbers=False, wrap_lines=True)
with side:
    st.header("Same numbers in PyTorch?")
    if torch_bridge.torch_available():
        with st.spinner("Running nn.RNN…"):
            check = torch_bridge.cross_check(state, layers)
        st.metric("largest relative difference", f"{check.gap:.1e}",
                  help="|PyTorch − rnnviz| over every h_t of the top layer, h_T of every layer and every y_t, both "
                       "in float64, relative to the largest entry of that h_t or y_t (and at least 1).")
        agrees, verdict, notes = torch_bridge.summary(check)
        for note in notes:
            show.info(note)
        if agrees:
            show.success(verdict)
        else:
            show.warn(verdict)
    else:
        st.info("PyTorch is not installed here, so the code was not run. To check it yourself: "
                "`pip install -r requirements-torch.txt` (a CPU build), then run the code.",
                icon=":material/info:")

    st.header("Download the weights")
    suffix = "" if layers == 1 else f"-{layers}layers"
    st.download_button("Weights as JSON", weights_io.to_json(state, layers), file_name=f"rnnviz-weights{suffix}.json",
                       mime="application/json", key="pytorch_dl_json", icon=":material/download:",
                       width="stretch")
    st.download_button("Weights as .npz (PyTorch names)", weights_io.to_npz(state, layers),
                       file_name=f"rnnviz-weights{suffix}.npz", mime="application/octet-stream",
                       key="pytorch_dl_npz", icon=":material/download:", width="stretch")
    with st.expander("File formats"):
        st.markdown(
            "**JSON**: `{\"format\": \"rnnviz-weights\", \"version\": 1, \"activation\": \"tanh\" | \"relu\", "
            "\"state_dict\": {name: nested lists}, \"x\": T×d (optional), \"h0\": n or L×n (optional)}` with "
            "PyTorch's names `weight_ih_l0` (W_x), `weight_hh_l0` (W_h), `bias_ih_l0` (b), `bias_hh_l0` (zeros), "
            "plus `linear.weight` (W_y) and `linear.bias` (b_y) when k > 0.\n\n"
            "**.npz**: one array per name above, plus `rnnviz.x`, `rnnviz.h0`, `rnnviz.activation`. Load it with "
            "`rnn.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(f).items() "
            "if not k.startswith(('rnnviz.', 'linear.'))})`.")

    st.header("Load weights")
    st.file_uploader("A JSON or .npz file in this format (or an nn.RNN state dict saved with np.savez)",
                     type=["json", "npz"], key=Keys.WEIGHTS_UPLOAD, on_change=_on_upload,
                     help=f"At most {weights_io.MAX_BYTES // 1000:,} kB, sizes within n ≤ 64, d ≤ 16, k ≤ 16, T ≤ 500. "
                          "A nonzero bias_hh is folded into b; a stacked file loads every layer.")
