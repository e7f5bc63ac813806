"""The training page's widgets: the settings form (sidebar), the run controls, the layer picker, the
read-outs above the live charts, and the session's TrainingSession; the training link (the URL carries the
setup and the update count: ``apply_link`` before the widgets, ``replay`` in ``get_session``, ``share_run``
writes it back).

The choices and parsing behind them are Streamlit-free, in rnnviz/training_setup.py and rnnviz/training_query.py.
The live charts themselves are one component (rnnviz/ui/live_training.py) that stays mounted while playing;
``live_section`` draws it with the read-outs and, while paused, the charts' numbers.
"""

from __future__ import annotations

import streamlit as st

from rnnviz import tasks as task_lib
from rnnviz import training_query as tq
from rnnviz import training_setup as setup
from rnnviz.figures import training as ft
from rnnviz.idle import REAPER, SessionRuns
from rnnviz.pacing import PACER
from rnnviz.query import to_query
from rnnviz.state import SimState, format_number
from rnnviz.trained_link import trained_query
from rnnviz.training import (
    MAX_HIDDEN,
    TrainingSession,
    advance,
    gradient_check_layer,
    layer_grads,
    layer_list,
    minchar_settings,
)
from rnnviz.ui import messages
from rnnviz.ui import session as ui_session
from rnnviz.ui.live_training import live_view
from rnnviz.ui.page import numbers
from rnnviz.ui.session import Keys
from rnnviz.ui.sidebar import link_box

LIVE_KEY = "tr_live"
SPF_KEY = "tr_spf"

# --------------------------------------------------------------------------- settings form (sidebar)


def read_settings() -> dict | None:
    """Trainer keyword arguments from the sidebar, or None (with a message) when the inputs cannot train.

    A training link opened in this session sets the widgets first (``apply_link``)."""
    apply_link()
    st.markdown("### Training")
    task = _read_task()
    if task is None:
        return None
    choice, delay, text, mode, seq = task
    hidden = st.slider("Hidden size n", 1, MAX_HIDDEN, 16, key="tr_hidden")
    layers = st.slider("Layers (stacked)", 1, setup.MAX_PAGE_LAYERS, 1, key="tr_layers",
                       help="nn.RNN's num_layers: layer l reads layer l−1's h_t; the output layer sits on the top "
                            "layer. Every layer has n hidden units.")
    activation = st.radio("Activation", ["tanh", "relu"], key="tr_act", horizontal=True)
    init_radius = None
    if st.toggle("Rescale the initial W_h", key="tr_init_on",
                 help="Off: W_h ~ N(0, 1/n) as drawn (spectral radius about 1)."):
        init_radius = st.slider("Initial spectral radius ρ(W_h)", 0.05, 3.0, 0.9, tq.RHO_STEP, key="tr_init")
    optimizer = st.selectbox("Optimizer", list(setup.OPTIMIZERS), index=1, format_func=setup.OPTIMIZERS.get,
                             key="tr_opt")
    lr = read_learning_rate()
    clip = None
    minchar = mode == "minchar"
    if st.toggle("Clip each gradient entry" if minchar else "Clip the gradient's global norm", value=True,
                 key="tr_clip_on", help="min-char-rnn clips every entry to [−c, c]." if minchar else None):
        clip = st.number_input("Clip threshold", 0.001, 1e4, 1.0, 0.1, key="tr_clip", format="%g")
    window = batch = 0
    if not minchar:  # min-char-rnn walks the text one chunk at a time: no window, no batch
        window = st.number_input("Truncated BPTT window (0 = full)", 0, task_lib.MAX_T, 0, 1, key="tr_window",
                                 help="Gradients stop at chunk boundaries of this many steps.")
        batch = st.number_input("Batch size (0 = all 32 sequences)", 0, tq.MAX_BATCH, 0, 1, key="tr_batch")
    seed = st.number_input("Seed", 0, 2**31 - 1, 0, 1, key="tr_seed",
                           help="Same seed and settings give the same initial weights and the same run.")
    chosen = tq.TrainingSetup(task=choice, delay=delay, text=text, mode=mode, seq=seq, hidden=int(hidden),
                              layers=int(layers), activation=activation, rho=init_radius, optimizer=optimizer,
                              lr=float(lr), clip=None if clip is None else float(clip), window=int(window),
                              batch=int(batch), seed=int(seed))
    return chosen.settings()


def _read_task() -> tuple[str, int, str, str, int] | None:
    """(task, delay, text, chars mode, chunk length) from the task picker and its own inputs (defaults for the
    ones the task does not use); None (with a message) for a bad text."""
    default = tq.DEFAULT_SETUP
    choice = st.selectbox("Task", list(setup.TASKS), format_func=setup.TASKS.get, key="tr_task")
    delay, text, mode, seq = default.delay, default.text, default.mode, default.seq
    if choice == "echo":
        delay = st.slider("Echo delay (steps)", 1, 15, 2, key="tr_delay",
                          help="Output the input from this many steps ago; longer = harder to learn.")
    if choice == "chars":
        text = st.text_area("Text to learn", task_lib.DEFAULT_TEXT, key="tr_text", height=140,
                            max_chars=task_lib.MAX_TEXT,
                            help=f"2 to {task_lib.MAX_VOCAB} distinct characters, at most {task_lib.MAX_TEXT} "
                                 "characters in all.")
        mode = st.radio("Training mode", task_lib.CHARS_MODES, format_func=CHARS_MODE_LABELS.get, key="tr_mode",
                        on_change=_minchar_defaults,
                        help="min-char-rnn: consecutive chunks of the text, h carried from one to the next, loss "
                             "summed over the chunk, Adagrad lr 0.1, entries clipped to ±5 (set when you pick it).")
        if mode == "minchar":
            seq = int(st.number_input("Chunk length (seq_length)", 1, tq.MAX_SEQ, default.seq, 1, key="tr_seq"))
        try:
            task_lib.check_text(text)
        except ValueError as exc:
            messages.error(f"Text: {exc}.")
            return None
    return choice, delay, text, mode, seq


CHARS_MODE_LABELS = {"windows": "Random windows (a batch of 32)", "minchar": "min-char-rnn (chunks in order)"}


def _minchar_defaults() -> None:
    """Picking min-char-rnn mode sets min-char-rnn's optimizer, learning rate and clipping."""
    if ui_session.get("tr_mode") != "minchar":
        return
    minchar = minchar_settings()
    for key, value in (("tr_opt", minchar["optimizer"]), ("tr_lr", minchar["lr"]), ("tr_lr_text", ""),
                       ("tr_clip_on", True), ("tr_clip", float(minchar["clip"]))):
        ui_session.put(key, value)


# --------------------------------------------------------------------------- training links

def apply_link() -> None:
    """A training link (on the page's first run in this session, or one this session did not write) sets the
    widgets before they are drawn; its update count is replayed by ``get_session``."""
    query = ui_session.read_page_link(tq.TRAINING_QUERY_KEYS, Keys.TRAINING_WRITTEN, Keys.TRAINING_LINK_READ)
    if not query:
        return
    linked, warnings = tq.from_training_query(query)
    lr_listed = linked.lr in setup.LR_CHOICES
    values = {"tr_task": linked.task, "tr_delay": linked.delay, "tr_text": linked.text, "tr_mode": linked.mode,
              "tr_seq": linked.seq, "tr_hidden": linked.hidden, "tr_layers": linked.layers,
              "tr_act": linked.activation, "tr_init_on": linked.rho is not None, "tr_init": linked.rho or 0.9,
              "tr_opt": linked.optimizer, "tr_lr": linked.lr if lr_listed else setup.DEFAULT_LR,
              "tr_lr_text": "" if lr_listed else format_number(linked.lr), "tr_clip_on": linked.clip is not None,
              "tr_clip": float(linked.clip or 1.0), "tr_window": linked.window, "tr_batch": linked.batch,
              "tr_seed": linked.seed, SPF_KEY: linked.spf, Keys.FRAME_RATE: linked.fps}
    for key, value in values.items():
        ui_session.put(key, value)
    ui_session.put(Keys.TRAINING_REPLAY, linked.updates)
    ui_session.put(Keys.TRAINING_LINK_WARNINGS, [warnings, None])


def link_warnings(settings: dict) -> None:
    """What the opened link needed fixing, until the settings change."""
    stored = ui_session.get(Keys.TRAINING_LINK_WARNINGS)
    if not stored:
        return
    if stored[1] is None:
        stored[1] = settings
    if stored[1] != settings:
        ui_session.pop(Keys.TRAINING_LINK_WARNINGS)
        return
    for message in stored[0]:
        messages.warn(f"Training link: {message}")  # may quote the link's text: shown as plain text


def replay(session: TrainingSession, updates: int) -> None:
    """Train to the link's update count (a deterministic run: the same weights), with a progress bar;
    bounded by ``replay_limit`` so a link cannot hold the server for long."""
    tr = session.trainer
    limit = tq.replay_limit(tr.update_cost)
    target = min(updates, limit)
    if target < updates:
        messages.warn(f"This link names update {updates}; opening a link replays at most {limit} updates of a network "
                   f"this size, so this is update {target}. Press Play to train further.")
    if tr.steps_done > target:
        session.reset()
    if tr.steps_done == target:
        return
    bar = st.progress(0.0, text=f"Replaying the linked run to update {target}…")
    while tr.steps_done < target and not tr.diverged:
        advance(session, min(REPLAY_CHUNK, target - tr.steps_done))
        bar.progress(tr.steps_done / target, text=f"Replaying the linked run: update {tr.steps_done} of {target}")
    bar.empty()


REPLAY_CHUNK = 25  # updates between two moves of the progress bar


def run_setup(session: TrainingSession, updates: int) -> tq.TrainingSetup:
    """The run's setup as its link names it, at update ``updates``."""
    return tq.TrainingSetup.from_settings(
        session.settings, spf=ui_session.get(SPF_KEY, session.steps_per_frame),
        fps=ui_session.get(Keys.FRAME_RATE, setup.DEFAULT_FRAME_RATE),
        updates=updates)


def share_run(session: TrainingSession) -> None:
    """Write the run's setup (and the update count reached) to the address bar, and offer it as a link.

    Called on full reruns only; while playing, the live fragment reruns without it, so the URL (and the
    browser history) is not rewritten on every frame."""
    updates = session.trainer.steps_done
    current = run_setup(session, min(updates, tq.MAX_REPLAY_UPDATES))
    query = tq.to_training_query(current)
    ui_session.write_page_query(query, tq.TRAINING_QUERY_KEYS, Keys.TRAINING_WRITTEN)
    with st.sidebar:
        st.markdown("### Share this run")
        link_box(ui_session.page_share_url(query), "it opens this training run, replayed to this update.")
        notes = tq.link_notes(current)
        if updates > tq.MAX_REPLAY_UPDATES:
            notes.append(f"The link names update {tq.MAX_REPLAY_UPDATES}, the most a link replays; this run is at "
                         f"update {updates}.")
        for note in notes:
            messages.info(note, icon=":material/link_off:")
        st.caption("The link carries the settings and the update count: opening it replays the same "
                   "deterministic run (same seed, same weights).")


def simulator_link(session: TrainingSession, state: SimState) -> dict[str, str] | None:
    """The simulator query that opens the trained weights ``state``: the run's name and update count
    (``rnnviz.trained_link``, a few hundred characters) when a link can replay it, else the numbers
    (``to_query``); None when neither makes a link a fresh server reopens."""
    tr = session.trainer
    named = run_setup(session, tr.steps_done)
    text_named = named.task != "chars" or tq.text_fits_link(named.text)
    if text_named and tr.steps_done <= min(tq.replay_limit(tr.update_cost), tq.MAX_REPLAY_UPDATES):
        return trained_query(named)
    query = to_query(state)
    return query if ui_session.shareable(query) else None


def read_learning_rate() -> float:
    """The slider's value, or the typed one when it is a valid number (else an error and the slider's)."""
    slider = st.select_slider("Learning rate", setup.LR_CHOICES, value=setup.DEFAULT_LR, key="tr_lr",
                              format_func=lambda v: f"{v:g}", help="Log-spaced steps; type any other value below.")
    typed = st.text_input("…or type a learning rate", key="tr_lr_text", placeholder="e.g. 0.005", max_chars=30,
                          help=f"A number in (0, {setup.MAX_LR:g}]; empty = use the slider.")
    lr = setup.parse_learning_rate(typed, slider)
    if lr.error:
        messages.error(lr.error)  # holds the typed text: shown as plain text
    if lr.warning:
        messages.warn(lr.warning)
    return lr.value


def get_session(settings: dict) -> TrainingSession | None:
    """The session's trainer, rebuilt (same seed -> same initial weights) when the settings changed; an opened
    link's warnings, and its update count replayed."""
    link_warnings(settings)
    REAPER.sweep()  # any session's rerun releases the runs nobody has touched for a while (rnnviz.idle)
    session = live_session()
    if session is None or session.settings != settings:
        try:
            session = TrainingSession.build(settings)
        except ValueError as exc:
            ui_session.pop(Keys.TRAINING_REPLAY)
            messages.error(f"These settings cannot train: {exc}.")
            return None
        ui_session.put(Keys.TRAINING, session)
        ui_session.pop(Keys.GRADCHECK)
    updates = ui_session.pop(Keys.TRAINING_REPLAY)
    if updates is not None:
        replay(session, updates)
    return session


def live_session() -> TrainingSession | None:
    """The session's TrainingSession (inside the live fragment and callbacks), marked as used; a run the idle
    reaper released is built again and replayed to where it was."""
    session = ui_session.get(Keys.TRAINING)
    if session is not None and session.released:
        session = _rebuilt(session)
    if session is not None:
        REAPER.touch(session)
        session_runs().add(session)
    return session


def _session_closed(runs: SessionRuns) -> None:
    """Streamlit ended this browser session (its tab closed or lost its connection): the runs give their memory
    back now rather than when Streamlit drops the disconnected session (lazily, minutes later)."""
    for run in runs.session_ended():
        PACER.release(id(run))


@st.cache_resource(scope="session", on_release=_session_closed, show_spinner=False)
def session_runs() -> SessionRuns:
    """This browser session's training runs.  A session-scoped resource is dropped, calling ``on_release``,
    as soon as the session disconnects (Streamlit's only session-end hook)."""
    return SessionRuns()


def _rebuilt(old: TrainingSession) -> TrainingSession:
    """The same run as a released one (training is deterministic), replayed to its update (bounded)."""
    session = TrainingSession.build(old.settings, steps_per_frame=old.steps_per_frame)
    target = min(old.released_at, tq.replay_limit(session.trainer.update_cost))
    while session.trainer.steps_done < target and not session.trainer.diverged:
        advance(session, min(REPLAY_CHUNK, target - session.trainer.steps_done))
    ui_session.put(Keys.TRAINING, session)
    return session


# --------------------------------------------------------------------------- run controls

# The run controls live in the page's live fragment, so a press reruns that fragment alone: its live frame is
# the first thing the browser receives and draws.  The rest of the page follows in a full rerun the fragment
# asks for once its frame is out (``follow_page``): the timer (Play, Pause, frames per second), the buttons'
# states and the sections below the live view.

def _page_outdated() -> None:
    ui_session.put(Keys.TRAINING_PAGE_OUTDATED, True)


def _play() -> None:
    live_session().playing = True
    _page_outdated()


def _stop(session: TrainingSession) -> None:
    session.playing = False
    PACER.release(id(session))  # no longer a share of the server's training time
    _page_outdated()


def _pause() -> None:
    _stop(live_session())


def _step() -> None:
    session = live_session()
    _stop(session)
    advance(session, 1)


def _reset() -> None:
    session = live_session()
    _stop(session)
    session.reset()
    ui_session.pop(Keys.GRADCHECK)


def page_drawn() -> None:
    """In the page's full run, before its live fragment: the whole page is being drawn, nothing to follow."""
    ui_session.pop(Keys.TRAINING_PAGE_OUTDATED)


def follow_page() -> None:
    """At the end of the live fragment: a control changed more than the live view (or play just diverged), so
    the whole page reruns now; the fragment's frame is already on its way to the browser."""
    if ui_session.pop(Keys.TRAINING_PAGE_OUTDATED, False):
        st.rerun(scope="app")


def play_frame(session: TrainingSession) -> None:
    """One frame of play: the updates per frame asked for, or fewer when the server is busy (rnnviz.pacing:
    every playing session gets a fair share of the CPU); stops on divergence (and the page follows)."""
    session.steps_per_frame = ui_session.get(SPF_KEY, session.steps_per_frame)  # this frame's, if just changed
    n = PACER.updates_for_frame(id(session), session.trainer.update_cost, session.steps_per_frame)
    advance(session, n)
    if not session.playing:
        PACER.release(id(session))
        _page_outdated()


def transport(session: TrainingSession) -> None:
    """Play / pause / step / reset and the frame size, in one row above the live view (in its fragment)."""
    cols = st.columns([1, 1.2, 0.8, 1.1, 2.5, 2.5], vertical_alignment="bottom")  # "Pause" in full at 1440 px
    diverged = session.trainer.diverged
    cols[0].button("Play", key="tr_play", icon=":material/play_arrow:", help="Train continuously",
                   on_click=_play, disabled=diverged or session.playing,
                   width="stretch")
    cols[1].button("Pause", key="tr_pause", icon=":material/pause:", help="Stop after this frame",
                   on_click=_pause, disabled=not session.playing,
                   width="stretch")
    cols[2].button("+1", key="tr_step", help="Step: one update", on_click=_step, disabled=diverged,
                   width="stretch")
    cols[3].button("Reset", key="tr_reset", icon=":material/replay:",
                   help="Back to step 0, the same initial weights", on_click=_reset,
                   width="stretch")
    session.steps_per_frame = cols[4].slider("Updates per frame (while playing)", 1, 50, 5, key=SPF_KEY)
    cols[5].select_slider("Frames per second", setup.FRAME_RATES, value=setup.DEFAULT_FRAME_RATE,
                          key=Keys.FRAME_RATE, on_change=_page_outdated,
                          help="How often the live charts redraw while playing. On a slow device, if the charts "
                               "flicker or stay blank while playing, pick fewer frames.")


def frame_seconds() -> float:
    return 1.0 / ui_session.get(Keys.FRAME_RATE, setup.DEFAULT_FRAME_RATE)


# --------------------------------------------------------------------------- stacked layers: which one to show

def view_layer(session: TrainingSession) -> int:
    """The layer (0-based) the per-layer views show: the picker's choice, the top layer by default."""
    return setup.shown_layer(ui_session.get(Keys.VIEW_LAYER), ui_session.get(Keys.VIEW_LAYER_OF),
                             session.trainer.layers)


def layer_picker(session: TrainingSession) -> None:
    """For stacked layers: pick the layer shown by the gradient/weight heatmaps, the sweep and the check."""
    L = session.trainer.layers
    if L == 1:
        return
    ui_session.put(Keys.VIEW_LAYER, view_layer(session) + 1)
    ui_session.put(Keys.VIEW_LAYER_OF, L)
    st.segmented_control("Layer shown in the per-layer views", list(range(1, L + 1)), key=Keys.VIEW_LAYER,
                         required=True, format_func=lambda l: f"layer {l}" + (" (top)" if l == L else ""),
                         help="The gradient and weight heatmaps, the backward sweep and the gradient check show "
                              "one layer; loss, predictions and ‖∂L/∂h_t‖ are the whole network's.")


# --------------------------------------------------------------------------- read-outs and the gradient check

def live_section(session: TrainingSession) -> None:
    """The live view (read-outs and every live chart, one component that stays mounted), the divergence
    explained under it, and while paused the numbers of each chart."""
    tr = session.trainer
    L, layer = tr.layers, view_layer(session)
    live_view(session, layer, key=LIVE_KEY, notes=live_notes(L, layer, setup.current_gradients(session)[2]))
    if tr.diverged:
        messages.error(f"Training diverged. {tr.divergence_reason} Press Reset or change the settings to start "
                       "again.")
    if session.playing:
        return
    layer_history = session.radius_history() if L > 1 else None
    numbers(ft.history_table(tr.history, layer_history), title="Numbers: loss and ρ(W_h) per update")
    grads, dh_norms, _ = setup.current_gradients(session)
    numbers(ft.dh_norms_table(dh_norms), title="Numbers: ‖∂L/∂h_t‖")
    numbers(ft.predictions_table(tr.eval_test()), title="Numbers: predictions")
    matrix_numbers(session, layer_grads(grads, layer, L), layer_list(tr.params)[layer])


def live_notes(layers: int, layer: int, step: int | None) -> dict:
    """The one-line captions under the live charts."""
    return {
        "loss": "Notice how fast the loss falls at first and where it flattens; log scale, so equal drops are "
                "equal factors.",
        "radius": "Training moves ρ(W_h); above the dotted line ρ = 1 signals can grow as they travel in time."
                  + (" One line per layer (solid = layer 1): each layer has its own W_h." if layers > 1 else ""),
        "dh": setup.dh_caption(layers, step),
        "pred": "Green is the network, gray dashed the target, on a sequence it never trains on.",
        "matrices_title": "Gradients of the last update (left to right ∂L/∂W_h, ∂L/∂W_x, ∂L/∂b) and the weights"
                          + (f" of layer {layer + 1} of {layers}" if layers > 1 else ""),
        "matrices": setup.weights_caption(layers, layer),
    }


def _gradient_check(layer: int) -> None:
    """Button callback (a callback survives the rerun that page_setup may trigger; a button's return value does
    not): the check for one layer (0-based) at the current weights, stored for the section to show."""
    tr = live_session().trainer
    task = tr.task
    results = gradient_check_layer(tr.params, layer, task.x_test, task.y_test, task.loss, mask=task.mask_test)
    ui_session.put(Keys.GRADCHECK, (tr.steps_done, layer, tr.layers, results))


def gradient_check(session: TrainingSession) -> None:
    """The check's button for the layer in view, and the result of the last check (kept until the weights
    or settings change)."""
    L, layer = session.trainer.layers, view_layer(session)
    st.button("Check BPTT against finite differences" + (f", layer {layer + 1}" if L > 1 else ""),
              key="tr_gradcheck", on_click=_gradient_check, args=(layer,))
    stored = ui_session.get(Keys.GRADCHECK)
    if stored is None:
        which = f" of layer {layer + 1} (the other layers held fixed)" if L > 1 else ""
        st.caption(f"Compares BPTT's gradient for a few weights{which} with (L(w+ε) − L(w−ε)) / 2ε, ε = 1e-5, "
                   "on the held-out sequence at the current weights.")
        return
    step, checked, layers, results = stored
    st.caption(setup.gradient_check_caption(step, checked, layers))
    st.dataframe(ft.gradient_check_table(results), width="stretch", column_config={
        "BPTT": st.column_config.NumberColumn(format="%.6e"),
        "finite difference": st.column_config.NumberColumn(format="%.6e"),
        "relative error": st.column_config.NumberColumn(format="%.2e")})


def matrix_numbers(session: TrainingSession, grads: dict, params) -> None:
    """The shown layer's gradients and weights as tables (drawn only while paused: tables re-sent several times
    a second cost the browser more than the charts, and they are read with training stopped anyway)."""
    if session.playing:
        return
    with st.expander("Numbers: gradients and weights"):
        for name in ("W_h", "W_x", "b"):
            st.caption(ft.GRAD_LABELS[name])
            st.dataframe(ft.matrix_table(grads[name], ft.GRAD_LABELS[name]), width="stretch")
            st.caption(name)
            st.dataframe(ft.matrix_table(getattr(params, name), name), width="stretch")
