"""Links to trained weights that name the run, not its numbers (no streamlit).

    /?trained=task:echo;delay:10;lr:0.003;updates:300

The value is the training page's own link (``rnnviz.training_query``: the setup and the update count reached),
written as ``key:value`` pairs joined by ``;`` so the address bar keeps it readable.  Opening it builds the same
deterministic run (same seed, same initial weights), replays it to that update (at most ``replay_limit``
updates) and shows the trained weights on the simulator pages with the task's held-out inputs and h_0 = 0
(``training.simulator_state``).  A trained network of n = 16 with 3 layers is 15,000 characters as numbers;
its name here is under 200.

Reading never raises: a bad value gets plain-language warnings and falls back (``training_query``'s rules);
a setup the simulator cannot show (too many inputs, say) gives ``None`` and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, unquote

from rnnviz.state import SimState
from rnnviz.training import Trainer, simulator_state
from rnnviz.training_query import (
    MAX_REPLAY_UPDATES,
    TrainingSetup,
    from_training_query,
    replay_limit,
    to_training_query,
)

TRAINED_KEY = "trained"
MAX_VALUE_CHARS = 4000  # longer than any setup the page writes (its text is at most 800 characters encoded)
REPLAY_CHUNK = 50  # updates between two progress reports


def trained_value(setup: TrainingSetup) -> str:
    """The ``trained=`` value naming ``setup`` (its non-default fields, the update count included)."""
    query = {**to_training_query(setup), "updates": str(setup.updates)}  # never empty: the count is always named
    return ";".join(f"{key}:{quote(value, safe='')}" for key, value in query.items())


def trained_query(setup: TrainingSetup) -> dict[str, str]:
    """The simulator query that opens the weights ``setup`` reaches; its update count must be replayable."""
    if setup.updates > MAX_REPLAY_UPDATES:
        raise ValueError(f"a link replays at most {MAX_REPLAY_UPDATES} updates, got {setup.updates}")
    return {TRAINED_KEY: trained_value(setup)}


def parse_trained(value: str) -> tuple[TrainingSetup, list[str]]:
    """The setup a ``trained=`` value names, and warnings (``from_training_query``'s).  Never raises."""
    if not isinstance(value, str):
        return from_training_query({})[0], ["trained: expected text; used the default training setup."]
    if len(value) > MAX_VALUE_CHARS:
        return from_training_query({})[0], [f"trained: {len(value):,} characters, more than any training link "
                                            f"({MAX_VALUE_CHARS:,}); used the default training setup."]
    query: dict[str, list[str]] = {}
    for pair in filter(None, value.split(";")):
        key, _, text = pair.partition(":")
        query.setdefault(key, []).append(unquote(text))
    setup, warnings = from_training_query(query)
    return setup, [f"trained link: {w}" for w in warnings]


def trained_state(value: str, progress: Callable[[int, int], None] | None = None
                  ) -> tuple[SimState | None, list[str]]:
    """(the simulator state of the run ``value`` names, warnings), or (None, reasons).  Never raises.

    progress(done, target) is called between chunks of the replay."""
    setup, warnings = parse_trained(value)
    try:
        trainer = Trainer(**setup.settings())
    except ValueError as exc:
        return None, warnings + [f"trained link: these settings cannot train ({exc})."]
    limit = replay_limit(trainer.update_cost)
    target = min(setup.updates, limit)
    if target < setup.updates:
        warnings.append(f"trained link: it names update {setup.updates}; a link replays at most {limit} updates "
                        f"of a network this size, so these are the weights at update {target}.")
    while trainer.steps_done < target and not trainer.diverged:
        trainer.step(min(REPLAY_CHUNK, target - trainer.steps_done))
        if progress is not None:
            progress(trainer.steps_done, target)
    state, reason = simulator_state(trainer)
    if state is None:
        return None, warnings + [f"trained link: {reason}"]
    return state, warnings
