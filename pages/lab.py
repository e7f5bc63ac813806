"""Vanishing / exploding lab: why gradients through time shrink or blow up, on the sidebar's network.

Thin page: Jacobian norms from ``rnnviz.analysis``, rescaling from ``rnnviz.presets``, the clipping demo from
``rnnviz.training.Trainer``; charts from ``rnnviz.figures.lab``.
"""

from __future__ import annotations

import streamlit as st

from rnnviz import live_state, presets
from rnnviz.analysis import eigenvalues, jacobian_norms, spectral_radius
from rnnviz.engine import RNNParams, forward
from rnnviz.figures import lab as ft
from rnnviz.figures.style import table_view
from rnnviz.state import SimState
from rnnviz.training import Trainer
from rnnviz.ui import live_drag, parts
from rnnviz.ui.live_training import live_figure
from rnnviz.ui.page import numbers, page
from rnnviz.ui.parts import rerun_page
from rnnviz.ui.session import update_state

INPUT_CHOICES = {"linear": "around h = 0 (f' = 1: the pure power of W_h)", "network": "the network's inputs x",
                 "random": "random inputs N(0, 1)", "custom": "zero inputs (only W_h and b act)"}
CLIP = 1.0


@st.cache_data(max_entries=32, show_spinner="Training twice (with and without clipping)…")
def clipping_runs(lr: float, init_radius: float, steps: int, delay: int, seed: int) -> dict:
    """Echo task, SGD + momentum, the same seed: gradient-norm and loss histories without and with clipping."""
    runs = {}
    for label, clip in (("no clipping", None), (f"clip = {CLIP:g}", CLIP)):
        trainer = Trainer("echo", hidden=16, optimizer="sgd", lr=lr, clip=clip, seed=seed, init_radius=init_radius,
                          task_options={"delay": delay})
        trainer.step(steps)
        runs[label] = {"history": trainer.history, "diverged": trainer.diverged,
                       "reason": trainer.divergence_reason, "steps": trainer.steps_done}
    return runs


@st.cache_data(max_entries=64, show_spinner=False)
def gain(W_x, W_h, b, activation, x, h0):
    """‖∂h_T/∂h_t‖ along x: cached, since most curves on this page do not change when ρ moves."""
    p = RNNParams(W_x=W_x, W_h=W_h, b=b, activation=activation)
    return jacobian_norms(p, forward(p, x, h0))


def curve(p, x, h0):
    return gain(p.W_x, p.W_h, p.b, p.activation, x, h0)


RHO_RANGE = (0.05, 3.0, 0.05)  # the ρ slider: min, max, step


def rho_frames(W_x, W_h, b, activation, x, h0, W_h_network) -> tuple[dict, dict]:
    """The rescaled curve and eigenvalues at every ρ slider position, from the engine: the live preview while
    the ρ slider is dragged (live drag, issue 11).  60 curves cost ~10 reruns' worth of work, so they are
    prepared off the script thread once per network (``live_drag.prepared``); no streamlit in here."""
    p = RNNParams(W_x=W_x, W_h=W_h, b=b, activation=activation)
    lam = eigenvalues(W_h_network)
    jac, eig = {}, {}
    for rho_value in live_state.slider_positions(*RHO_RANGE):
        scaled_h, problem = presets.scale_to_spectral_radius(W_h_network, rho_value)
        if problem:
            continue
        q = p.replace(W_h=scaled_h)
        jac[rho_value] = live_state.jacobian_patch(1, f"W_h rescaled (ρ = {rho_value:.2f})",
                                                   jacobian_norms(q, forward(q, x, h0)))
        eig[rho_value] = live_state.eigenvalue_patch(2, "rescaled", eigenvalues(scaled_h), others=[lam])
    return live_state.frames_payload("lab_rho", 2, jac), live_state.frames_payload("lab_rho", 2, eig)


def apply_to_network(W_h) -> None:
    """"Apply to the network": the rescaled W_h into the sidebar's network, whose sliders move too."""
    update_state(W_h=W_h)
    rerun_page()


def lab_views(state: SimState) -> None:
    params = state.params

    # --- the sequence the Jacobians are taken along
    cols = st.columns([2, 1, 1])
    default_kind = "network" if state.T >= 10 else "linear"
    kind = cols[0].selectbox("Sequence for the chain of Jacobians", list(INPUT_CHOICES),
                             format_func=INPUT_CHOICES.get, index=list(INPUT_CHOICES).index(default_kind),
                             key="lab_inputs", help="The network's own x is short for some presets; generated "
                                                    "inputs give a longer chain.")
    chain_params = params
    if kind == "network":
        x, h0 = state.x, state.h0
        cols[1].metric("Steps T", state.T)
    else:
        T = cols[1].number_input("Steps T", 2, 500, 40, 1, key="lab_T")
        seed = cols[2].number_input("Seed", 0, 2**31 - 1, 0, 1, key="lab_seed", disabled=kind != "random")
        x, h0 = presets.make_inputs("custom" if kind == "linear" else kind, int(T), state.d, seed=int(seed)), state.h0
    if kind == "linear":
        # x = 0, b = 0, h_0 = 0 keep every h_t at 0, where tanh' = 1: each step back multiplies by W_h alone.
        h0 = presets.zeros(state.n)
        chain_params = params.replace(b=presets.zeros(state.n), activation="tanh")
        st.caption("Around h = 0 nothing saturates, so ‖∂h_T/∂h_t‖ is ‖W_h^(T−t)‖, which grows or decays like ρ^(T−t). "
                   "Pick the network's inputs to see what saturation does to it.")
    norms = curve(chain_params, x, h0)
    rho = spectral_radius(params.W_h)
    current_label = f"current W_h (ρ = {rho:.4f})"

    st.header("The gradient's gain through time")
    left, right = st.columns([3, 2])
    with left:
        live_figure(ft.jacobian_figure([(current_label, norms)]), key="lab_fig_jac")
        st.caption("A straight falling line on this log axis is exponential decay (vanishing), a rising one growth "
                   "(exploding); its slope is set by ρ(W_h) and how saturated f is.")
    with right:
        lam = eigenvalues(params.W_h)
        live_figure(ft.eigenvalue_figure([("current W_h", lam)]), key="lab_fig_eig")
        st.caption("Eigenvalues inside the dotted unit circle shrink a signal each step, outside it they grow it.")
    numbers(lambda: table_view(ft.jacobian_table([(current_label, norms)])),
            title="Numbers: ‖∂h_T/∂h_t‖ for the current W_h")
    numbers(lambda: table_view(ft.eigenvalue_table([("current W_h", lam)])), title="Numbers: eigenvalues of W_h")

    # --- rescaling W_h: a part of its own, so the ρ slider reruns only this section
    def rescale() -> None:
        st.header("Rescale W_h: watch decay turn into growth")
        RHO_LABEL = "Spectral radius ρ for W_h"
        target = st.slider(RHO_LABEL, *RHO_RANGE[:2], 1.5, RHO_RANGE[2], key="lab_rho",
                           help="W_h is multiplied by one number so its largest |eigenvalue| becomes ρ.")
        frames = (None, None)
        if live_state.live_enabled(state.n, len(x)):
            frame_args = (chain_params.W_x, chain_params.W_h, chain_params.b, chain_params.activation, x, h0,
                          params.W_h)
            frames_id = "lab_rho:" + live_drag.array_key(*frame_args)
            ready = live_drag.prepared(frames_id, rho_frames, *frame_args)
            if ready is not None:
                frames = tuple({**payload, "settled": f"{target:.2f}", "id": f"{frames_id}:{view}"}
                               for view, payload in enumerate(ready))
                live_drag.drag_bridge({}, knobs={RHO_LABEL: ("lab_rho", target)})
            else:
                st.caption("The curves below follow the ρ slider while it is dragged from the next update on "
                           "(their values at every ρ are being computed); until then they update on release.")
        else:
            st.caption(live_state.release_note())
        scaled, message = presets.scale_to_spectral_radius(params.W_h, target)
        if message:
            st.warning(message, icon=":material/warning:")
        chosen = chain_params.replace(W_h=scaled)
        chosen_norms = curve(chosen, x, h0)
        chosen_label = f"W_h rescaled (ρ = {target:.2f})"
        curves = [(current_label, norms), (chosen_label, chosen_norms)]
        left, right = st.columns([3, 2])
        with left:
            live_drag.live_figure(ft.jacobian_figure(curves, "‖∂h_T/∂h_t‖: current W_h vs rescaled"),
                                  key="lab_fig_rescaled", frames=frames[0])
            st.caption("Solid is the network as it is, dashed the rescaled W_h; with tanh, growth is capped once the "
                       "units saturate (f' → 0).")
        with right:
            sets = [("current W_h", lam), ("rescaled", eigenvalues(scaled))]
            live_drag.live_figure(ft.eigenvalue_figure(sets), key="lab_fig_eig_rescaled", frames=frames[1])
            st.caption("Rescaling moves every eigenvalue along its ray from 0 by the same factor.")
        numbers(lambda: table_view(ft.jacobian_table(curves)), title="Numbers: ‖∂h_T/∂h_t‖, current vs rescaled W_h")
        st.button("Apply to the network", key="lab_apply", on_click=apply_to_network, args=(scaled,),
                  disabled=message is not None, help="Write the rescaled W_h into the sidebar's network (all pages).")

    parts.draw("lab_rescale", rescale)

    # --- tanh vs relu
    st.header("tanh vs relu, same weights")
    act_cols = st.columns(2)
    act_curves = []
    act_x, act_h0 = (presets.make_inputs("random", len(x), state.d, seed=0), state.h0) if kind == "linear" else (x, h0)
    for col, activation in zip(act_cols, ("tanh", "relu"), strict=True):
        p = params.replace(activation=activation)
        act_curve = curve(p, act_x, act_h0)
        act_curves.append((activation, act_curve))
        with col:
            live_figure(ft.jacobian_figure([(activation, act_curve)], f"‖∂h_T/∂h_t‖ with f = {activation}"),
                            key=f"lab_fig_{activation}")
    st.caption("tanh' ≤ 1 (and ≈ 0 when saturated) damps the product; relu' is 1 for active units, so with ρ > 1 "
               "the gradient can grow unchecked, and 0 for inactive ones (gaps on the log axis: exactly zero)."
               + (" Along random inputs N(0, 1) (at h = 0 relu' would be 0)." if kind == "linear" else ""))
    numbers(lambda: table_view(ft.jacobian_table(act_curves)), title="Numbers: ‖∂h_T/∂h_t‖ with tanh and relu")


def clipping() -> None:
    """The clipping demo trains its own runs, whatever the sidebar's network: a part of its own, so its
    controls rerun it alone and a weight edit leaves it as it is."""
    st.header("What clipping does")
    ccols = st.columns(4)
    lr = ccols[0].select_slider("Learning rate (SGD)", [0.03, 0.1, 0.3, 1.0], value=0.3, key="lab_clip_lr")
    init_radius = ccols[1].select_slider("Initial ρ(W_h)", [0.5, 0.9, 1.2, 1.5, 2.0], value=1.2, key="lab_clip_rho")
    delay = ccols[2].slider("Echo delay", 1, 10, 3, key="lab_clip_delay")
    steps = ccols[3].slider("Updates", 20, 300, 100, 10, key="lab_clip_steps")
    runs = clipping_runs(float(lr), float(init_radius), int(steps), int(delay), 0)
    live_figure(ft.clipping_figure([(label, run["history"]) for label, run in runs.items()], CLIP),
                    key="lab_fig_clip")
    st.caption(f"Same task, seed and learning rate: clipping rescales any gradient longer than {CLIP:g} to length "
               f"{CLIP:g}, so one huge gradient cannot throw the weights away.")
    for label, run in runs.items():
        if run["diverged"] and label == "no clipping":  # the outcome this demo exists to show, not a fault
            st.info(f"**{label}: the run blew up after {run['steps']} updates, as this demo expects.** Without "
                    "clipping one exploding gradient is applied in full and throws the weights to non-finite "
                    f"values; clipped, the same run keeps every step at length ≤ {CLIP:g}.", icon=":material/info:")
        elif run["diverged"]:
            st.warning(f"{label}: {run['reason']}", icon=":material/warning:")
        else:
            st.success(f"{label}: finished {run['steps']} updates, final loss {run['history']['loss'][-1]:.4f}.",
                       icon=":material/check:")
    numbers(lambda: table_view(ft.clipping_table([(label, run["history"]) for label, run in runs.items()])),
            title="Numbers: loss and gradient norm per update")


page(
    "Vanishing / exploding lab",
    "Backpropagation through time multiplies by diag(f'(a_t))·W_h once per step back: the spectral radius "
    "of W_h and the slopes of f decide whether the product shrinks to nothing or blows up.",
    views=lab_views, after=lambda state: parts.draw("lab_clipping", clipping))
