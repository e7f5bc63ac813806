"""The engine equals PyTorch's nn.RNN (forward and gradients) to float64 round-off."""

import numpy as np
import pytest

from rnnviz.engine import RNNParams, backward, forward, to_torch_state_dict

torch = pytest.importorskip("torch", reason="torch is an optional reference (requirements-torch.txt)")

CONFIGS = [  # (B, T, d, n, k, layers, activation)
    (1, 2, 1, 2, 0, 1, "tanh"),
    (3, 7, 4, 5, 2, 1, "tanh"),
    (2, 9, 3, 6, 1, 1, "relu"),
    (4, 5, 2, 3, 2, 2, "tanh"),
    (2, 6, 3, 4, 0, 3, "relu"),
    (32, 20, 50, 128, 0, 1, "tanh"),
]


def torch_model(layers):
    top = layers[-1]
    rnn = torch.nn.RNN(layers[0].d, top.n, num_layers=len(layers), nonlinearity=top.activation,
                       batch_first=True, dtype=torch.float64)
    state = {k: torch.from_numpy(v) for k, v in to_torch_state_dict(layers).items()}
    rnn.load_state_dict(state)
    linear = None
    if top.W_y is not None:
        linear = torch.nn.Linear(top.n, top.k, dtype=torch.float64)
        linear.load_state_dict({"weight": torch.from_numpy(top.W_y.copy()), "bias": torch.from_numpy(top.b_y.copy())})
    return rnn, linear


@pytest.mark.parametrize("B, T, d, n, k, L, activation", CONFIGS)
def test_matches_torch_rnn(B, T, d, n, k, L, activation):
    rng = np.random.default_rng(B * 1000 + T)
    layers, inp = [], d
    for i in range(L):
        last = i == L - 1
        layers.append(RNNParams(W_x=rng.normal(0, inp ** -0.5, (n, inp)), W_h=rng.normal(0, n ** -0.5, (n, n)),
                                b=rng.normal(0, 0.2, n), W_y=rng.normal(0, 0.4, (k, n)) if (k and last) else None,
                                b_y=rng.normal(0, 0.2, k) if (k and last) else None, activation=activation))
        inp = n
    x = rng.normal(size=(B, T, d))
    h0 = rng.normal(0, 0.5, (B, L, n))
    rnn, linear = torch_model(layers)
    xt = torch.from_numpy(x).requires_grad_(True)
    h0t = torch.from_numpy(h0.transpose(1, 0, 2).copy()).requires_grad_(True)  # torch: (L, B, n)
    out, _ = rnn(xt, h0t)
    top_t = linear(out) if linear is not None else out
    seed = rng.normal(size=tuple(top_t.shape))
    (top_t * torch.from_numpy(seed)).sum().backward()

    traces = forward(layers if L > 1 else layers[0], x, h0 if L > 1 else h0[:, 0])
    top = traces[-1] if L > 1 else traces
    ours = top.y if k else top.h[:, 1:]
    np.testing.assert_allclose(ours, top_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    kwargs = dict(dy=seed) if k else dict(dh=seed)
    grads = backward(layers if L > 1 else layers[0], traces, **kwargs)
    grads = grads if L > 1 else [grads]
    for i, g in enumerate(grads):
        named = dict(rnn.named_parameters())
        np.testing.assert_allclose(g.W_x, named[f"weight_ih_l{i}"].grad.numpy(), rtol=1e-10, atol=1e-11)
        np.testing.assert_allclose(g.W_h, named[f"weight_hh_l{i}"].grad.numpy(), rtol=1e-10, atol=1e-11)
        np.testing.assert_allclose(g.b, named[f"bias_ih_l{i}"].grad.numpy(), rtol=1e-10, atol=1e-11)
        np.testing.assert_allclose(g.h0, h0t.grad.numpy()[i], rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(grads[0].x, xt.grad.numpy(), rtol=1e-10, atol=1e-11)
    if k:
        np.testing.assert_allclose(grads[-1].W_y, linear.weight.grad.numpy(), rtol=1e-10, atol=1e-11)
        np.testing.assert_allclose(grads[-1].b_y, linear.bias.grad.numpy(), rtol=1e-10, atol=1e-11)
