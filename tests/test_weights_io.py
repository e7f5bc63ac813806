"""rnnviz.weights_io: weight files out and in (JSON / .npz), exact round trips, every refusal says why."""

import io
import json
import warnings
import zipfile

import numpy as np
import pytest
from networks import STATES, from_torch_state_dict, make_state

from rnnviz import stacking, weights_io
from rnnviz.engine import forward, to_torch_state_dict
from rnnviz.state import LIMITS, default_state, resized


def doc(state=None, layers=1, **changes) -> dict:
    d = weights_io.export_dict(state or STATES["output"], layers)
    for key, value in changes.items():
        if value is None:
            d.pop(key, None)
        else:
            d[key] = value
    return d


def as_bytes(document) -> bytes:
    return json.dumps(document).encode()


def sd_with(**changes) -> dict:
    sd = dict(doc()["state_dict"])
    for key, value in changes.items():
        if value is None:
            sd.pop(key, None)
        else:
            sd[key] = value
    return doc(state_dict=sd)


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", list(STATES))
@pytest.mark.parametrize("fmt", ["json", "npz"])
def test_round_trip_is_exact(name, fmt):
    state = STATES[name]
    data = weights_io.to_json(state).encode() if fmt == "json" else weights_io.to_npz(state)
    loaded, notes = weights_io.load_weights(data, f"net.{fmt}")
    assert notes == []
    assert loaded == state  # every float bit for bit, activation, x, h0
    assert loaded.t == 1


def test_json_follows_the_documented_schema():
    d = json.loads(weights_io.to_json(STATES["output"]))
    assert d["format"] == "rnnviz-weights" and d["version"] == 1 and d["activation"] == "tanh"
    assert list(d["state_dict"]) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                     "linear.weight", "linear.bias"]
    assert np.array(d["x"]).shape == (6, 3) and np.array(d["h0"]).shape == (4,)
    assert "linear.weight" not in json.loads(weights_io.to_json(STATES["lesson"]))["state_dict"]


def test_npz_names_match_pytorch_and_load_into_nn_rnn():
    data = weights_io.to_npz(STATES["output"])
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        names = set(npz.files)
        arrays = {k: npz[k] for k in npz.files}
    assert {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "linear.weight", "linear.bias"} <= names
    assert names - {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "linear.weight", "linear.bias"} \
        == {"rnnviz.x", "rnnviz.h0", "rnnviz.activation"}
    torch = pytest.importorskip("torch")
    rnn = torch.nn.RNN(3, 4, batch_first=True, dtype=torch.float64)
    rnn.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()
                         if not k.startswith(("rnnviz.", "linear."))})  # strict: names and shapes match


@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("fmt", ["json", "npz"])
def test_stacked_state_dicts_round_trip_through_files(layers, fmt):
    state = STATES["output"]
    stack = stacking.stacked_layers(state, layers)
    data = weights_io.to_json(state, layers).encode() if fmt == "json" else weights_io.to_npz(state, layers)
    loaded, errors = weights_io.read_weights(data, f"s.{fmt}")
    assert errors == [] and loaded.layers == stack
    assert np.array_equal(loaded.x, state.x)
    assert np.array_equal(loaded.h0, stacking.stacked_h0(state, layers))
    # the engine's own converters agree with the file contents
    assert from_torch_state_dict(to_torch_state_dict(loaded.layers, output_names=True)) == stack
    with np.load(io.BytesIO(weights_io.to_npz(state, layers)), allow_pickle=False) as npz:
        sd = {k: npz[k] for k in npz.files if not k.startswith("rnnviz.")}
    assert from_torch_state_dict(sd) == stack


def test_a_stacked_file_loads_every_layer_into_the_simulator():
    state = STATES["output"]
    loaded, notes = weights_io.load_weights(weights_io.to_json(state, 3).encode(), "s.json")
    assert loaded.L == 3 and notes == []
    assert stacking.stacked_layers(loaded) == stacking.stacked_layers(state, 3)  # every layer, the output on top
    assert np.array_equal(loaded.h0, state.h0)


def test_generated_stack_imports_into_torch_from_the_json():
    torch = pytest.importorskip("torch")
    state = STATES["relu"]
    d = json.loads(weights_io.to_json(state, 2))
    rnn = torch.nn.RNN(state.d, state.n, num_layers=2, nonlinearity="relu", batch_first=True, dtype=torch.float64)
    rnn.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in d["state_dict"].items()})
    out, _ = rnn(torch.tensor([d["x"]], dtype=torch.float64), torch.tensor(d["h0"], dtype=torch.float64)[:, None])
    traces = forward(stacking.stacked_layers(state, 2), state.x, stacking.stacked_h0(state, 2))
    np.testing.assert_allclose(out[0].detach().numpy(), traces[-1].h[1:], rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- import notes (accepted files)


def test_nonzero_bias_hh_is_folded_into_b_with_a_note():
    sd = doc()["state_dict"]
    b_ih = np.array(sd["bias_ih_l0"])
    b_hh = np.array([0.5, -0.25, 0.0, 1.0])
    loaded, notes = weights_io.load_weights(as_bytes(sd_with(bias_hh_l0=b_hh.tolist())), "f.json")
    assert np.array_equal(loaded.params.b, b_ih + b_hh)
    assert any("bias_hh_l0 is not zero" in n and "b = bias_ih_l0 + bias_hh_l0" in n for n in notes)
    # the same network: torch with both biases computes what the simulator computes
    torch = pytest.importorskip("torch")
    rnn = torch.nn.RNN(3, 4, batch_first=True, dtype=torch.float64)
    rnn.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in sd_with(bias_hh_l0=b_hh.tolist())
                         ["state_dict"].items() if not k.startswith("linear")})
    out, _ = rnn(torch.tensor(loaded.x)[None], torch.tensor(loaded.h0)[None, None])
    np.testing.assert_allclose(out[0].detach().numpy(), forward(loaded.params, loaded.x, loaded.h0).h[1:], atol=1e-12)


def test_missing_inputs_and_h0_come_from_the_base_state():
    base = make_state(n=4, d=3, k=0, T=9, seed=5)
    loaded, notes = weights_io.load_weights(as_bytes(doc(x=None, h0=None)), "f.json", base=base)
    assert np.array_equal(loaded.x, base.x) and np.array_equal(loaded.h0, base.h0)
    assert any("no inputs x" in n for n in notes)


def test_accepted_variants():
    # PyTorch's module prefix, a missing linear.bias, a missing bias_hh, unknown extra keys
    sd = {("rnn." + k if not k.startswith("linear") else k): v for k, v in doc()["state_dict"].items()}
    del sd["linear.bias"], sd["rnn.bias_hh_l0"]
    sd["num_batches_tracked"] = [1]
    loaded, notes = weights_io.load_weights(as_bytes(doc(state_dict=sd, comment="hi")), "f.json")
    assert loaded is not None and not loaded.params.b_y.any()
    text = " ".join(notes)
    assert "linear.bias is missing" in text and "num_batches_tracked" in text and "comment" in text
    # an npz written by PyTorch users: state dict only -> tanh assumed, inputs from the base
    arrays = {k: np.array(v) for k, v in doc(STATES["relu"])["state_dict"].items()}
    loaded, notes = weights_io.load_weights(npz_bytes(**arrays), "torch.npz")
    assert loaded.activation == "tanh" and any("assumed tanh" in n for n in notes)


# --------------------------------------------------------------------------- refused files: every branch


big_json = b'{"pad": "' + b"x" * (weights_io.MAX_BYTES + 1) + b'"}'


def _nan_doc() -> bytes:
    sd = doc()["state_dict"]
    sd["weight_hh_l0"][0][0] = float("nan")
    return json.dumps(doc(state_dict=sd)).encode()  # json writes NaN, Python reads it back


def _object_npz() -> bytes:
    buf = io.BytesIO()
    arrays = {k: np.array(v) for k, v in doc()["state_dict"].items()}
    arrays["weight_ih_l0"] = np.array([{"evil": "pickle"}, 1], dtype=object)
    np.savez(buf, **arrays)  # np.savez pickles object arrays
    return buf.getvalue()


def _zip_with(name: str, content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, content)
    return buf.getvalue()


def _bomb_npz() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("weight_ih_l0.npy", b"\0" * (weights_io._MAX_NPZ_UNPACKED + 10))
    return buf.getvalue()


def _huge_header_npz() -> bytes:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**9,)})
    return _zip_with("weight_ih_l0.npy", header.getvalue() + b"\0" * 64)


REFUSED = [  # (file bytes, filename, words the message must contain)
    (b"", "e.json", "the file is empty"),
    (big_json, "big.json", "the limit is 1,000,000"),
    (b"\xff\xfe\x00garbage", "bin.json", "not UTF-8"),
    (b"weights: [1, 2]", "w.json", "not JSON: Expecting value at line 1, column 1"),
    (b"[" * 100_000 + b"]" * 100_000, "deep.json", "not JSON"),
    (b"[1, 2, 3]", "list.json", "expected a JSON object"),
    (as_bytes(doc(format=None)), "f.json", "missing key format"),
    (as_bytes(doc(state_dict=None, activation=None)), "f.json", "missing keys activation, state_dict"),
    (as_bytes(doc(format="keras")), "f.json", 'format is "keras"'),
    (as_bytes(doc(version=2)), "f.json", "version 2 is not supported"),
    (as_bytes(doc(activation="sigmoid")), "f.json", '"sigmoid" is not one of tanh, relu'),
    (as_bytes(doc(state_dict=[1, 2])), "f.json", "state_dict: expected an object"),
    (as_bytes(sd_with(weight_ih_l0=None)), "f.json", "missing key weight_ih_l0"),
    (as_bytes(sd_with(bias_ih_l0=None)), "f.json", "missing key bias_ih_l0"),
    (as_bytes(sd_with(weight_hh_l0=None)), "f.json", "missing key weight_hh_l0"),
    (as_bytes(sd_with(weight_ih_l2=np.zeros((4, 4)).tolist())), "f.json", "missing key weight_ih_l1"),
    (as_bytes(sd_with(weight_hh_l0=[[1, 2], [3, 4]])), "f.json", "weight_hh_l0: shape (2, 2), expected (4, 4)"),
    (as_bytes(sd_with(bias_ih_l0=[1, 2])), "f.json", "bias_ih_l0: shape (2,), expected (4,)"),
    (as_bytes(sd_with(bias_hh_l0=[1])), "f.json", "bias_hh_l0: shape (1,), expected (4,)"),
    (as_bytes(sd_with(weight_ih_l0=[1, 2, 3, 4])), "f.json", "weight_ih_l0: shape (4,), expected a matrix"),
    (as_bytes(sd_with(weight_ih_l0=[[1, 2], [3]])), "f.json", "rows have different lengths"),
    (as_bytes(sd_with(weight_ih_l0=[[[1]]])), "f.json", "nested more than 2 levels"),
    (as_bytes(sd_with(weight_ih_l0=[["a", 1]])), "f.json", 'weight_ih_l0: expected numbers, found "a"'),
    (as_bytes(sd_with(bias_ih_l0=[True, 0, 0, 0])), "f.json", "expected numbers, found true"),
    (as_bytes(sd_with(bias_ih_l0=[None, 0, 0, 0])), "f.json", "expected numbers, found null"),
    (_nan_doc(), "nan.json", "weight_hh_l0: contains NaN or infinite values"),
    (as_bytes(sd_with(bias_ih_l0=[2e6, 0, 0, 0])), "f.json", "more than the limit of 1e+06"),
    (as_bytes(sd_with(bias_ih_l0=[1e300, 0, 0, 0], bias_hh_l0=[1e300, 0, 0, 0])), "f.json",
     "more than the limit"),
    (as_bytes(doc(STATES["lesson"], state_dict={"weight_ih_l0": np.zeros((65, 1)).tolist(),
                                                "weight_hh_l0": np.zeros((65, 65)).tolist(),
                                                "bias_ih_l0": [0] * 65})),
     "f.json", "n = 65 is more than the limit of 64"),
    (as_bytes(sd_with(weight_ih_l0=np.zeros((4, 17)).tolist())), "f.json", "d = 17 is more than the limit of 16"),
    (as_bytes(sd_with(**{"linear.weight": np.zeros((17, 4)).tolist(), "linear.bias": [0] * 17})), "f.json",
     "k = 17 is more than the limit of 16"),
    (as_bytes(doc(x=np.zeros((501, 3)).tolist())), "f.json", "T = 501 is more than the limit of 500"),
    (npz_bytes(weight_ih_l0=np.zeros((0, 3)), weight_hh_l0=np.zeros((0, 0)), bias_ih_l0=np.zeros(0)), "f.npz",
     "n = 0; it must be at least 1"),
    (npz_bytes(weight_ih_l0=np.zeros((2, 0)), weight_hh_l0=np.zeros((2, 2)), bias_ih_l0=np.zeros(2)), "f.npz",
     "d = 0; it must be at least 1"),
    (as_bytes(doc(x=np.zeros((5, 2)).tolist())), "f.json", "x: shape (5, 2), expected (T, 3)"),
    (as_bytes(doc(h0=[0, 0])), "f.json", "h0: shape (2,), expected (4,)"),
    (as_bytes(sd_with(**{"linear.weight": [[1, 2]]})), "f.json", "linear.weight: shape (1, 2), expected (k, 4)"),
    (as_bytes(sd_with(**{"linear.weight": None})), "f.json", "linear.bias is given without linear.weight"),
    (as_bytes(sd_with(**{"linear.bias": [0]})), "f.json", "linear.bias: shape (1,), expected (2,)"),
    (as_bytes(doc(STATES["output"], 2, state_dict={**doc(layers=2)["state_dict"],
                                                    "weight_ih_l1": np.zeros((4, 3)).tolist()})),
     "f.json", "weight_ih_l1: shape (4, 3), expected (4, 4)"),
    (as_bytes(doc(state_dict={**doc(layers=3)["state_dict"], "weight_ih_l3": [[0.0] * 4] * 4})), "f.json",
     "4 layers; rnnviz handles at most 3"),
    (as_bytes(sd_with(weight_ih_l0=np.zeros((91, 91)).tolist())), "f.json", "more than the limit of 8192"),
    (b"PK\x03\x04 this is not really a zip", "f.npz", "not an .npz archive"),
    (b"\x93NUMPY garbage", "f.npz", "not an .npz archive"),
    (_object_npz(), "evil.npz", "holds Python objects (a pickle); refused"),
    (_zip_with("notes.txt", b"hello"), "f.npz", "notes.txt: not a .npy array"),
    (_zip_with("weight_ih_l0.npy", b"not an npy header"), "f.npz", "weight_ih_l0.npy: not a NumPy .npy array"),
    (_bomb_npz(), "bomb.npz", "unpacks to more than"),
    (_huge_header_npz(), "huge.npz", "weight_ih_l0: 1000000000 numbers, more than the limit"),
    (npz_bytes(**{k: np.array(v) for k, v in doc()["state_dict"].items()}, **{"rnnviz.activation": np.array(3)}),
     "f.npz", "rnnviz.activation: expected a string"),
    (npz_bytes(**{k: np.array(v) for k, v in doc()["state_dict"].items()},
               **{"rnnviz.activation": np.array("gelu")}), "f.npz", '"gelu" is not one of tanh, relu'),
    (npz_bytes(weight_ih_l0=np.array([["a"]]), weight_hh_l0=np.zeros((1, 1)), bias_ih_l0=np.zeros(1)), "f.npz",
     "weight_ih_l0: expected numbers, found an array of <U1"),
    (npz_bytes(weight_hh_l0=np.zeros((2, 2))), "f.npz", "missing key weight_ih_l0"),
    (npz_bytes(weight_ih_l0=np.full((2, 1), np.inf), weight_hh_l0=np.zeros((2, 2)), bias_ih_l0=np.zeros(2)),
     "f.npz", "weight_ih_l0: contains NaN or infinite values"),
]


@pytest.mark.parametrize("data, filename, words", REFUSED, ids=[f"{i}-{r[2][:30]}" for i, r in enumerate(REFUSED)])
def test_every_refusal_says_why(data, filename, words):
    state, messages = weights_io.load_weights(data, filename, base=STATES["lesson"])
    assert state is None
    assert len(messages) == 1
    assert messages[0].startswith(f"{filename}: ")
    assert words in messages[0], messages[0]


def test_refusals_never_raise_on_odd_arguments():
    for data in (None, "text", 12, bytearray(b"{}")):
        state, messages = weights_io.load_weights(data, "odd.json")
        assert state is None and messages


def test_a_pickle_in_an_npz_is_never_unpickled(monkeypatch):
    import pickle

    def boom(*args, **kwargs):
        raise AssertionError("unpickled user data")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    state, messages = weights_io.load_weights(_object_npz(), "evil.npz")
    assert state is None and "pickle" in messages[0]


def test_the_limits_used_are_the_app_limits():
    assert (LIMITS.n, LIMITS.d, LIMITS.k, LIMITS.T) == (64, 16, 16, 500)
    # the largest valid network fits under the size cap as JSON
    biggest = resized(default_state(), n=LIMITS.n, d=LIMITS.d, k=LIMITS.k, T=LIMITS.T)
    assert len(weights_io.to_json(biggest).encode()) < weights_io.MAX_BYTES
    assert len(weights_io.to_npz(biggest)) < weights_io.MAX_BYTES
    loaded, notes = weights_io.load_weights(weights_io.to_json(biggest).encode(), "big.json")
    assert loaded == biggest.replace(t=1) and notes == []


# --------------------------------------------------------------------------- issue 16: messages that misled


def _with_raw_number(key: str, raw: str) -> bytes:
    """A weight file whose bias_ih_l0[0] is written as ``raw`` (JSON text that json.dumps cannot produce)."""
    text = as_bytes(sd_with(bias_ih_l0=[12345.5, 0, 0, 0])).decode()
    assert text.count("12345.5") == 1
    return text.replace("12345.5", raw).encode()


@pytest.mark.parametrize("raw, shown", [
    pytest.param("9" * 4000, "9" * 24 + "… (4,000 characters)", id="4000-digits"),
    pytest.param("-" + "9" * 5000, "-" + "9" * 23 + "… (5,001 characters)", id="5000-digits"),  # > int()'s 4300
    pytest.param("9" * 200, "9" * 24 + "… (200 characters)", id="200-digits"),
    pytest.param("1e400", "1e400", id="1e400"),
    pytest.param("-1" + "0" * 400 + ".5", "-1" + "0" * 22 + "… (404 characters)", id="long-float"),
])
def test_a_huge_number_is_called_too_large(raw, shown):
    state, messages = weights_io.load_weights(_with_raw_number("bias_ih_l0", raw), "f.json")
    assert state is None
    assert messages == [f"f.json: bias_ih_l0: the number {shown} is too large (the limit is 1e+06)"]


def test_a_huge_version_or_activation_is_described_not_a_crash():
    text = as_bytes(doc(version=12345, activation="tanh")).decode().replace("12345", "7" * 5000)
    state, messages = weights_io.load_weights(text.encode(), "v.json")
    assert state is None and messages[0].startswith("v.json: version 77777777777777777777… (5,000 characters) is not")
    text = as_bytes(doc(activation=12345)).decode().replace("12345", "1e999")
    state, messages = weights_io.load_weights(text.encode(), "a.json")
    assert state is None and messages == ["a.json: activation: 1e999 is not one of tanh, relu"]


def test_a_layer_key_with_a_huge_index_is_an_unknown_key_shortened():
    key = "weight_ih_l" + "7" * 5000
    state, notes = weights_io.load_weights(as_bytes(sd_with(**{key: [[1.0]]})), "k.json", base=STATES["lesson"])
    assert state is not None
    unknown = [note for note in notes if note.startswith("Ignored unknown entries")]
    assert unknown == ["Ignored unknown entries: weight_ih_l77777777777777777777777777777… (5,011 characters)."]
    for odd in ("weight_ih_l01", "weight_hh_l1000", "bias_ih_l١"):  # leading zero, 4 digits, a non-ASCII digit
        state, notes = weights_io.load_weights(as_bytes(sd_with(**{odd: [1.0]})), "k.json")
        assert state is not None and any(odd in note for note in notes if note.startswith("Ignored")), odd
    state, messages = weights_io.load_weights(as_bytes(sd_with(**{key: "bad"})), "k.json")
    assert state is None and messages == [
        "k.json: weight_ih_l77777777777777777777777777777… (5,011 characters): expected numbers, found \"bad\""]


@pytest.mark.parametrize("text, key", [
    ('{"format": "rnnviz-weights", "format": "rnnviz-weights", "version": 1}', "format"),
    ('{"state_dict": {"weight_ih_l0": [[1]], "weight_ih_l0": [[2]]}}', "weight_ih_l0"),
    ('{"x": [[1]], "h0": {"a": 1, "a": 2}}', "a"),
])
def test_duplicate_json_keys_are_refused(text, key):
    state, messages = weights_io.load_weights(text.encode(), "dup.json")
    assert state is None
    assert messages == [f'dup.json: the key "{key}" appears twice in one object; each name may appear only once '
                        "(which of the values was meant?)"]


def test_a_real_file_with_a_key_given_twice_is_refused():
    good = as_bytes(doc()).decode()
    first = good.index('"weight_hh_l0"')
    twice = good[:first] + '"weight_hh_l0": [[0]], ' + good[first:]
    assert weights_io.load_weights(good.encode(), "g.json")[0] is not None
    state, messages = weights_io.load_weights(twice.encode(), "t.json")
    assert state is None and '"weight_hh_l0" appears twice' in messages[0]


def test_an_npz_member_given_twice_is_refused():
    buf = io.BytesIO()
    arrays = {k: np.array(v) for k, v in doc()["state_dict"].items()}
    with zipfile.ZipFile(buf, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns "Duplicate name", and writes it
        for name, arr in list(arrays.items()) + [("bias_ih_l0", arrays["bias_ih_l0"] + 1)]:
            member = io.BytesIO()
            np.save(member, arr)
            zf.writestr(f"{name}.npy", member.getvalue())
    state, messages = weights_io.load_weights(buf.getvalue(), "d.npz")
    assert state is None and messages == ["d.npz: the archive holds bias_ih_l0.npy twice (which one was meant?)"]


MARKUP = ["![p](http://h/p.png)", "[Log in again](http://h/phish)", "**BOLD**", "<img src=x>", ":red[x]",
          "$x$", "`c`", ":material/warning:", "www.h.example", "a@h.example", "line\nbreak"]


@pytest.mark.parametrize("markup", MARKUP)
def test_user_text_in_weight_messages_renders_as_plain_text(markup):
    """File name, unknown keys, format and activation reach the page as plain text (rnnviz/ui/messages.py)."""
    from markup_check import assert_inert, visible

    from rnnviz.text import to_markdown

    cases = [
        weights_io.load_weights(b"", f"{markup}.json")[1],
        weights_io.load_weights(as_bytes(sd_with(**{markup: [1.0]})), "k.json")[1],
        weights_io.load_weights(as_bytes(doc(**{markup: 1})), "top.json")[1],
        weights_io.load_weights(as_bytes(doc(format=markup)), f"{markup}.json")[1],
        weights_io.load_weights(as_bytes(doc(activation=markup)), "a.json")[1],
        weights_io.load_weights(as_bytes(sd_with(**{markup: markup})), "v.json")[1],
        weights_io.load_weights(npz_bytes(**{markup.replace("/", "_"): np.zeros(1)}), f"{markup}.npz")[1],
    ]
    for messages in cases:
        assert messages
        for text in messages:
            assert "\n" not in text
            shown = to_markdown(text)
            assert_inert(shown)
            assert visible(shown) == text
