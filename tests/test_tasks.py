"""Tasks: shapes, seeded determinism, the targets' definitions, validation, chars sampling."""

import numpy as np
import pytest

from rnnviz.engine import RNNParams
from rnnviz.tasks import DEFAULT_TEXT, TASK_NAMES, make_task, sample_chars

SHAPES = {  # name, options -> (d, k, loss)
    ("sine", ()): (1, 1, "mse"),
    ("echo", ()): (1, 1, "mse"),
    ("sum", ()): (1, 1, "mse"),
    ("sum", (("sign", True),)): (1, 2, "xent"),
    ("parity", ()): (1, 2, "xent"),
    ("parity", (("encoding", "onehot"),)): (2, 2, "xent"),
    ("chars", ()): (len(set(DEFAULT_TEXT)), len(set(DEFAULT_TEXT)), "xent"),
}


@pytest.mark.parametrize(("key", "expected"), SHAPES.items(), ids=[f"{k[0]}{dict(k[1])}" for k in SHAPES])
def test_shapes_and_fields(key, expected):
    name, opts = key
    d, k, loss = expected
    task = make_task(name, seed=3, B=5, T=12, **dict(opts))
    assert task.x.shape == (5, 12, d) and task.y.shape == (5, 12, k)
    assert task.x_test.shape == (12, d) and task.y_test.shape == (12, k)
    assert (task.d, task.k, task.loss, task.name) == (d, k, loss, name)
    assert task.description and task.options["B"] == 5 and task.options["T"] == 12
    assert not task.x.flags.writeable


@pytest.mark.parametrize("name", TASK_NAMES)
def test_seeded_determinism(name):
    a, b, c = make_task(name, seed=7), make_task(name, seed=7), make_task(name, seed=8)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y) and np.array_equal(a.x_test, b.x_test)
    assert not np.array_equal(a.x, c.x)


def test_sine_target_is_next_input():
    task = make_task("sine", B=4, T=30)
    assert np.allclose(task.y[:, :-1], task.x[:, 1:])
    assert np.all(np.abs(task.x) <= 1)


@pytest.mark.parametrize("delay", [1, 2, 5])
def test_echo_targets_and_mask(delay):
    task = make_task("echo", delay=delay, B=3, T=10)
    assert np.array_equal(task.y[:, delay:], task.x[:, :-delay])
    assert np.all(task.y[:, :delay] == 0)
    assert np.all(task.mask[:, :delay] == 0) and np.all(task.mask[:, delay:] == 1)
    assert task.mask_test.shape == (10,)


def test_sum_and_sign():
    reg = make_task("sum", seed=1, B=3, T=8)
    assert np.allclose(reg.y, np.cumsum(reg.x, axis=1))
    cls = make_task("sum", seed=1, B=3, T=8, sign=True)
    assert np.array_equal(cls.labels, (np.cumsum(cls.x[..., 0], axis=1) > 0).astype(int))


def test_parity_labels():
    task = make_task("parity", B=4, T=9)
    bits = (task.x[..., 0] > 0).astype(int)
    assert np.array_equal(task.labels, np.cumsum(bits, axis=1) % 2)
    assert set(np.unique(task.x)) == {-1.0, 1.0}


def test_chars_one_hot_next_char():
    task = make_task("chars", text="abcabcabd", B=2, T=4)
    assert task.vocab == ("a", "b", "c", "d")
    assert np.all(task.x.sum(-1) == 1) and np.all(task.y.sum(-1) == 1)
    assert np.array_equal(task.x.argmax(-1)[:, 1:], task.labels[:, :-1])  # targets are the inputs shifted


@pytest.mark.parametrize(("name", "opts", "match"), [
    ("nope", {}, "unknown task"),
    ("sine", {"B": 0}, "B"),
    ("sine", {"B": 257}, "B"),
    ("sine", {"T": 501}, "T"),
    ("sine", {"T": 2.5}, "T"),
    ("sine", {"delay": 2}, "unknown option"),
    ("echo", {"T": 5, "delay": 5}, "delay"),
    ("echo", {"delay": 0}, "delay"),
    ("sum", {"sign": "yes"}, "sign"),
    ("parity", {"encoding": "bits"}, "encoding"),
    ("chars", {"text": ""}, "empty"),
    ("chars", {"text": "aaaa"}, "2 distinct"),
    ("chars", {"text": "ab" * 2501}, "limit"),
    ("chars", {"text": "".join(chr(40 + i) for i in range(70))}, "distinct"),
    ("chars", {"text": "abcab", "T": 10}, "T\\+1"),
])
def test_validation(name, opts, match):
    with pytest.raises(ValueError, match=match):
        make_task(name, **opts)


def test_chars_sampling_uses_vocabulary():
    task = make_task("chars")
    V, n = task.d, 8
    rng = np.random.default_rng(0)
    params = RNNParams(W_x=rng.normal(size=(n, V)), W_h=0.5 * rng.normal(size=(n, n)) / np.sqrt(n),
                       b=np.zeros(n), W_y=rng.normal(size=(V, n)))
    text = task.sample(params, seed_char="a", length=60, rng=np.random.default_rng(1), temperature=0.8)
    assert len(text) == 60 and set(text) <= set(task.vocab)
    again = task.sample(params, seed_char="a", length=60, rng=np.random.default_rng(1), temperature=0.8)
    assert text == again
    assert sample_chars([params.replace(W_y=None, b_y=None), RNNParams(W_x=np.eye(n), W_h=np.zeros((n, n)),
                        b=np.zeros(n), W_y=rng.normal(size=(V, n)))], task.vocab, 0, 5) != ""
    with pytest.raises(ValueError, match="not in the vocabulary"):
        task.sample(params, seed_char="Z")
    with pytest.raises(ValueError, match="chars"):
        make_task("sine").sample(params)


def test_sample_chars_from_a_carried_state():
    task = make_task("chars", B=2, T=5)
    rng = np.random.default_rng(0)
    V = len(task.vocab)
    params = RNNParams(W_x=rng.normal(size=(4, V)), W_h=rng.normal(size=(4, 4)) * 0.5, b=np.zeros(4),
                       W_y=rng.normal(size=(V, 4)), b_y=np.zeros(V))
    zeros = sample_chars(params, task.vocab, 0, 30, np.random.default_rng(1), h0=np.zeros(4))
    assert zeros == sample_chars(params, task.vocab, 0, 30, np.random.default_rng(1))
    assert zeros != sample_chars(params, task.vocab, 0, 30, np.random.default_rng(1), h0=np.full(4, 0.9))
