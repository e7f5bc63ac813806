"""Weight sharing: one set of weights for every step, so the count is flat in T and the net runs on any length."""

import streamlit as st

from rnnviz import explain, sharing
from rnnviz.figures import sharing as figures_extra
from rnnviz.ui.live_training import live_figure
from rnnviz.ui.page import page

LENGTHS = [5, 10, 20, 40]


@st.cache_data(max_entries=32, show_spinner="Training on short sequences…")
def length_demo(T: int, hidden: int, steps: int, seed: int) -> sharing.LengthResult:
    return sharing.generalisation_demo(T=T, factor=10, hidden=hidden, steps=steps, seed=seed)


state = page(
    "Weight sharing",
    "W_h, W_x and b are the same at every time step: one update rule, applied at every position. "
    "Two consequences, live below: the parameter count does not depend on T, and a network trained "
    "on short sequences runs on longer ones.")
p = state.params

# --- 1. parameter count against T
st.header("Parameters against sequence length")
T_max = st.slider("Longest sequence shown, T_max", 10, 500, 100, 10, key="sharing_T_max")
counts = sharing.param_counts(p.n, p.d, p.k, T_max)
live_figure(figures_extra.param_count_figure(counts, p.n, p.d, p.k), key="sharing_counts")
unshared = int(counts["unshared"].iloc[-1])
st.caption(f"The RNN needs the same {p.num_params:,} numbers for every T (n = {p.n}, d = {p.d}, k = {p.k}). "
           f"A network with separate weights per step would need T × {p.num_params:,} = {unshared:,} at "
           f"T = {T_max}, and would have no weights at all for step T + 1.")
left, right = st.columns([3, 2], gap="large")
with left:
    st.latex(explain.parameter_count(p))
with right:
    st.metric(f"unshared ÷ shared at T = {T_max}", f"{T_max}×")

# --- 2. trained on T, run on 10 x T
st.header("Trained on T steps, run on 10 × T")
st.caption("A small RNN (its own network, not the sidebar's) learns to predict the next value of a sine wave "
           "from sequences T steps long. The same weights then run on new waves ten times longer.")
cols = st.columns(4)
T = cols[0].select_slider("Training length T", LENGTHS, value=20, key="sharing_T")
hidden = cols[1].select_slider("Hidden units", [4, 8, 16, 32], value=16, key="sharing_hidden")
steps = cols[2].select_slider("Training updates", [100, 200, 300, 500, 1000], value=300, key="sharing_steps")
seed = cols[3].number_input("Seed", 0, 10_000, 0, 1, key="sharing_seed")
result = length_demo(int(T), int(hidden), int(steps), int(seed))

m = st.columns(3)
m[0].metric(f"error on steps 1..{result.T}", f"{result.error_train_length:.4g}",
            help="Mean squared error over the training length, on new waves")
m[1].metric(f"error on steps {result.T + 1}..{result.T_long}", f"{result.error_beyond:.4g}",
            delta=f"{result.error_ratio:.2f}× the training-length error",
            delta_color="off", help="Steps the network never saw in training",
            delta_arrow="up" if result.error_ratio > 1 else "down" if result.error_ratio < 1 else "off")
m[2].metric("baseline (predict x_t)", f"{result.baseline_error:.4g}",
            help="What no learning gets: repeat the current value")
live_figure(figures_extra.length_prediction_figure(result), key="sharing_pred")
st.caption("The shaded band is as far as training ever went; the same W_h, W_x, b keep working after it, "
           "because step 150 uses exactly the weights step 5 used.")
live_figure(figures_extra.length_error_figure(result), key="sharing_err")
if result.error_ratio <= 1:
    st.caption("The error after step T is no larger than within it (the first steps are the hardest: h_0 = 0 "
               "knows nothing about the wave yet).")
else:
    st.warning(f"Here the error after step T is {result.error_ratio:.1f}× the error "
               "within it. Shared weights make long sequences *possible*, not automatically good: with very "
               "short training sequences the network can learn dynamics that only hold for T steps. "
               "Try a longer T.", icon=":material/info:")
with st.expander("Numbers: errors within and beyond the training length"):
    st.dataframe(result.summary(), hide_index=True, width="stretch")
