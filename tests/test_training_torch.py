"""Training with gradient clipping matches PyTorch update for update (skips without torch).

Both sides start from the same weights and see the same minibatches; PyTorch clips with
``torch.nn.utils.clip_grad_norm_`` and steps with its own optimizer.  float64 throughout.
"""

import numpy as np
import pytest

from rnnviz.tasks import make_task
from rnnviz.training import Trainer

torch = pytest.importorskip("torch")

UPDATES = 200
TOL = 1e-9
OPTIMIZERS = {  # name -> (lr, torch optimizer factory)
    "sgd": (0.05, lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9)),
    "adam": (0.01, lambda params, lr: torch.optim.Adam(params, lr=lr)),
    "adagrad": (0.05, lambda params, lr: torch.optim.Adagrad(params, lr=lr)),
}


def _torch_model(p):
    """nn.RNN + nn.Linear holding p's weights; the second RNN bias stays 0 and frozen (the engine has one b)."""
    n, d = p.W_x.shape
    rnn = torch.nn.RNN(d, n, batch_first=True, dtype=torch.float64)
    linear = torch.nn.Linear(n, p.k, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(p.W_x))
        rnn.weight_hh_l0.copy_(torch.tensor(p.W_h))
        rnn.bias_ih_l0.copy_(torch.tensor(p.b))
        rnn.bias_hh_l0.zero_()
        linear.weight.copy_(torch.tensor(p.W_y))
        linear.bias.copy_(torch.tensor(p.b_y))
    rnn.bias_hh_l0.requires_grad_(False)
    trained = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, linear.weight, linear.bias]
    return rnn, linear, trained


def _mse(out, target, mask):
    """rnnviz.losses.mse: squared error over the masked steps, divided by k * (number of steps that count)."""
    m = torch.ones(out.shape[:-1], dtype=torch.float64) if mask is None else torch.tensor(mask)
    return (((out - target) ** 2).sum(-1) * m).sum() / (m.sum() * out.shape[-1])


@pytest.mark.parametrize("task_name", ["sine", "echo"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_clipped_training_matches_torch(task_name, optimizer):
    task = make_task(task_name, seed=3, B=16)
    lr, make_torch_optimizer = OPTIMIZERS[optimizer]
    clip = 0.3
    trainer = Trainer(task, hidden=8, optimizer=optimizer, lr=lr, clip=clip, seed=4, batch_size=8)
    rnn, linear, trained = _torch_model(trainer.params)
    torch_optimizer = make_torch_optimizer(trained, lr)
    clipped = []
    for _ in range(UPDATES):
        (snap,) = trainer.step(1)
        idx = trainer.last_batch
        x, y = torch.tensor(task.x[idx]), torch.tensor(task.y[idx])
        mask = None if task.mask is None else task.mask[idx]
        torch_optimizer.zero_grad()
        loss = _mse(linear(rnn(x)[0]), y, mask)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(trained, clip)
        torch_optimizer.step()
        assert snap.loss == pytest.approx(loss.item(), rel=0, abs=TOL), f"update {snap.step}"
        assert snap.grad_norm == pytest.approx(norm.item(), rel=TOL)
        clipped.append(snap.clipped)
    assert any(clipped) and not all(clipped)  # both branches of clipping were exercised
    p = trainer.params
    for ours, theirs in zip((p.W_x, p.W_h, p.b, p.W_y, p.b_y), trained, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=TOL)
