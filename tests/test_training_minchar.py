"""min-char-rnn mode: the Trainer's updates equal Karpathy's min-char-rnn written out from its equations.

The reference below is min-char-rnn's lossFun and main loop (column vectors, one character at a time,
np.clip(-5, 5), Adagrad with 1e-8 inside the square root) written independently of rnnviz's engine;
only the initial weights come from the Trainer.  Agreement to 1e-10 over 200 updates needs a run whose
rounding differences (summation order, ~1e-16) are not blown up: min-char-rnn's Adagrad divides tiny
gradient entries by sqrt(1e-8), multiplying their rounding noise by up to lr * 1e4, so some settings
(e.g. n = 32 here) drift apart after a few dozen updates from rounding alone; these do not.
"""

import numpy as np
import pytest

from rnnviz.engine import forward
from rnnviz.tasks import DEFAULT_TEXT, make_task
from rnnviz.training import SAMPLE_LENGTH, Trainer, minchar_settings

UPDATES = 200
SEQ_LENGTH = 25
HIDDEN = 12


def loss_fun(inputs, targets, hprev, Wxh, Whh, Why, bh, by, vocab_size):
    """Karpathy's lossFun: forward over the chunk from hprev, summed loss, BPTT, clip to [-5, 5]."""
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
        np.clip(dparam, -5, 5, out=dparam)
    return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]


def min_char_rnn_losses(data, params, updates, seq_length=SEQ_LENGTH, learning_rate=0.1):
    """min-char-rnn's main loop from the given initial weights: the loss of every update, and the weights."""
    chars = sorted(set(data))
    vocab_size = len(chars)
    char_to_ix = {ch: i for i, ch in enumerate(chars)}
    Wxh, Whh, Why = params.W_x.copy(), params.W_h.copy(), params.W_y.copy()
    bh, by = params.b.reshape(-1, 1).copy(), params.b_y.reshape(-1, 1).copy()
    mWxh, mWhh, mWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    mbh, mby = np.zeros_like(bh), np.zeros_like(by)
    n, p, losses = 0, 0, []
    while n < updates:
        if p + seq_length + 1 >= len(data) or n == 0:
            hprev = np.zeros((Whh.shape[0], 1))
            p = 0
        inputs = [char_to_ix[ch] for ch in data[p:p + seq_length]]
        targets = [char_to_ix[ch] for ch in data[p + 1:p + seq_length + 1]]
        loss, dWxh, dWhh, dWhy, dbh, dby, hprev = loss_fun(inputs, targets, hprev, Wxh, Whh, Why, bh, by,
                                                           vocab_size)
        for param, dparam, mem in zip([Wxh, Whh, Why, bh, by], [dWxh, dWhh, dWhy, dbh, dby],
                                      [mWxh, mWhh, mWhy, mbh, mby], strict=True):
            mem += dparam * dparam
            param += -learning_rate * dparam / np.sqrt(mem + 1e-8)
        losses.append(loss)
        p += seq_length
        n += 1
    return losses, (Wxh, Whh, Why, bh.ravel(), by.ravel())


@pytest.mark.parametrize("text", [DEFAULT_TEXT, "to be or not to be, that is the question: " * 4])
def test_minchar_mode_matches_min_char_rnn(text):
    trainer = Trainer(**minchar_settings(SEQ_LENGTH, text), hidden=HIDDEN, seed=7)
    expected, weights = min_char_rnn_losses(text, trainer.params, UPDATES)
    snaps = trainer.step(UPDATES)
    assert len(snaps) == UPDATES and not trainer.diverged
    np.testing.assert_allclose([s.loss for s in snaps], expected, rtol=0, atol=1e-10)
    clipped = [s.clipped for s in snaps]
    assert clipped == [any((np.abs(g) > 5).any() for g in s.grads.values()) for s in snaps]
    assert any(clipped)  # min-char-rnn's np.clip(-5, 5) did cut some entries in these runs
    p = trainer.params
    for ours, theirs in zip((p.W_x, p.W_h, p.W_y, p.b, p.b_y), weights, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_chunks_walk_the_text_and_h_resets_at_its_end():
    task = make_task("chars", mode="minchar", T=25)
    chunks = len(range(0, len(DEFAULT_TEXT) - 26, 25))
    assert task.B == chunks and task.minchar and task.options["mode"] == "minchar"
    decoded = "".join(task.vocab[i] for i in task.x[1].argmax(-1))
    assert decoded == DEFAULT_TEXT[25:50]
    trainer = Trainer(task, hidden=6, optimizer="adagrad", lr=0.1, clip=5.0)
    first = trainer.step(chunks)[0].loss
    again = trainer.step(1)[0]  # the same first chunk from h = 0 again, with trained weights
    fresh = Trainer(task, hidden=6, optimizer="adagrad", lr=0.1, clip=5.0)
    assert fresh.step(1)[0].loss == first and again.loss != first


def test_samples_as_it_goes():
    trainer = Trainer(**minchar_settings(), hidden=8, seed=2)
    snaps = trainer.step(201)
    sampled = [s.step for s in snaps if s.sample is not None]
    assert sampled == [1, 101, 201]
    text = snaps[100].sample
    assert len(text) == SAMPLE_LENGTH and set(text) <= set(trainer.task.vocab)
    assert trainer.last_sample == (201, snaps[200].sample)
    again = Trainer(**minchar_settings(), hidden=8, seed=2)
    assert [s.sample for s in again.step(101)][100] == text  # deterministic
    assert Trainer(**minchar_settings(), hidden=8, sample_every=0).step(3)[0].sample is None


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"batch_size": 2}, "min-char-rnn"),
    ({"bptt_window": 5}, "min-char-rnn"),
])
def test_minchar_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Trainer(**minchar_settings(), **kwargs)
    with pytest.raises(ValueError, match="B cannot be set"):
        make_task("chars", mode="minchar", B=4)
    with pytest.raises(ValueError, match="mode"):
        make_task("chars", mode="karpathy")
    with pytest.raises(ValueError, match="sample_every"):
        Trainer("sine", sample_every=10)


def test_stacked_layers_carry_every_layers_h():
    trainer = Trainer(**minchar_settings(), layers=2, hidden=6, sample_every=5)
    snaps = trainer.step(12)
    assert trainer._h.shape == (1, 2, 6) and not trainer.diverged
    assert [s.step for s in snaps if s.sample] == [1, 6, 11]
    stack = Trainer(**minchar_settings(), layers=2, hidden=6)
    traces = forward(stack.params, stack.task.x[:1])
    h_after_first = np.stack([tr.h[:, -1] for tr in traces], axis=1)
    stack.step(1)
    np.testing.assert_array_equal(stack._h, h_after_first)  # what chunk 2 starts from
