"""Weight files: the current network out as JSON / .npz (PyTorch's names), and a validated import back in.

Nothing here imports streamlit or torch.  The network written (every layer of the state,
or stacked to ``layers``) is ``rnnviz.stacking.stacked_network``.

Weight file formats
-------------------
JSON (``to_json`` / ``load_weights``)::

    {
      "format": "rnnviz-weights",          # required, exactly this
      "version": 1,                        # required, 1
      "activation": "tanh",                # required, "tanh" | "relu" (nn.RNN's nonlinearity)
      "state_dict": {                      # required: PyTorch's names, nested lists of numbers
        "weight_ih_l0": [[...], ...],      # W_x (n, d)          layer l >= 1: (n, n)
        "weight_hh_l0": [[...], ...],      # W_h (n, n)
        "bias_ih_l0":   [...],             # b   (n,)
        "bias_hh_l0":   [...],             # (n,), rnnviz writes zeros; nonzero is folded into b on import
        "linear.weight": [[...], ...],     # optional output layer W_y (k, n), on the top layer
        "linear.bias":   [...]             # optional b_y (k,), zeros when missing
      },
      "x":  [[...], ...],                  # optional inputs (T, d)
      "h0": [...]                          # optional initial state (n,); stacked layers: (L, n)
    }

.npz (``to_npz``): one array per state-dict name (the same names as above, so
``{k: torch.from_numpy(v) for k, v in np.load(f).items() if not k.startswith("rnnviz.")}``
loads into ``nn.RNN`` + ``nn.Linear`` prefixed "linear."), plus ``rnnviz.x``, ``rnnviz.h0``
and ``rnnviz.activation`` (a 0-d string array).  Keys may also carry PyTorch's module prefix
"rnn." (``rnn.weight_ih_l0``), as ``model.state_dict()`` of a module holding ``self.rnn`` writes them.

Import never raises and never unpickles: files above ``MAX_BYTES``, not JSON / not an npz,
npz members holding Python objects, non-numbers, NaN / infinity, |value| > LIMITS.max_abs,
missing keys, inconsistent shapes and sizes beyond ``rnnviz.state.LIMITS`` are refused with
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from rnnviz.engine import ACTIVATIONS, RNNParams, to_torch_state_dict
from rnnviz.stacking import MAX_LAYERS, stacked_network
from rnnviz.state import LIMITS, SimState, validate_state
from rnnviz.text import excerpt

FORMAT = "rnnviz-weights"
VERSION = 1
MAX_BYTES = 1_000_000  # uploads above this are refused (the app's server cap is 1 MB too)
_MAX_NPZ_MEMBERS = 64
_MAX_NPZ_UNPACKED = 8_000_000  # bytes of arrays an npz may unpack to (the largest valid state is ~0.2 MB)
# A layer index of at most 3 digits without leading zeros: anything else is an unknown key, not a crash in int().
_LAYER_KEY = re.compile(r"(weight|bias)_(ih|hh)_l(0|[1-9][0-9]{0,2})")
_MAX_INT_DIGITS = 300  # a JSON integer longer than this is beyond float64 (and int() of it is slow)
_LINEAR = ("linear.weight", "linear.bias")
_EXTRA = ("x", "h0", "activation")


def export_dict(state: SimState, layers: int | None = None) -> dict:
    """The JSON document (a dict) of the schema in the module docstring."""
    stack, h0 = stacked_network(state, layers)
    sd = to_torch_state_dict(stack, output_names=True)
    return {"format": FORMAT, "version": VERSION, "activation": state.activation,
            "state_dict": {name: arr.tolist() for name, arr in sd.items()},
            "x": np.asarray(state.x).tolist(), "h0": np.asarray(h0).tolist()}


def to_json(state: SimState, layers: int | None = None) -> str:
    """The weights as JSON text; floats are written so they read back exactly."""
    return json.dumps(export_dict(state, layers), indent=1)


def to_npz(state: SimState, layers: int | None = None) -> bytes:
    """The weights as an .npz (uncompressed): PyTorch's state-dict names plus rnnviz.x / .h0 / .activation."""
    stack, h0 = stacked_network(state, layers)
    arrays = dict(to_torch_state_dict(stack, output_names=True))
    arrays["rnnviz.x"] = np.array(state.x)
    arrays["rnnviz.h0"] = np.asarray(h0, np.float64)
    arrays["rnnviz.activation"] = np.array(state.activation)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


# --------------------------------------------------------------------------- import

class _Refused(Exception):
    """The file cannot be loaded; the message says why in plain words."""


@dataclass
class Loaded:
    """A validated weight file: the layers (layer 0 first), optional x / h0, and notes for the user."""

    layers: list[RNNParams]
    x: np.ndarray | None = None
    h0: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


def _shape_text(shape) -> str:
    return str(tuple(int(s) for s in shape))


class _OutOfRange:
    """A JSON number beyond float64 (``1e400``, a 4,000-digit integer), kept as the file wrote it."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text


def _json_int(text: str):
    return _OutOfRange(text) if len(text) > _MAX_INT_DIGITS else int(text)


def _json_float(text: str):
    value = float(text)
    return value if np.isfinite(value) else _OutOfRange(text)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object; a key given twice is refused (json.loads would silently keep the last value)."""
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _Refused(f"the key \"{excerpt(key, 40)}\" appears twice in one object; each name may appear "
                           "only once (which of the values was meant?)")
        obj[key] = value
    return obj


def _describe(value, limit: int = 20) -> str:
    """A JSON value as the file wrote it, one short line, for a message."""
    if isinstance(value, _OutOfRange):
        return excerpt(value.text, limit)
    try:
        return excerpt(json.dumps(value, default=str), limit)
    except (TypeError, ValueError, RecursionError):
        return type(value).__name__


def _nested_numbers(name: str, value, depth: int = 0) -> np.ndarray:
    """Nested JSON lists of numbers -> float64 array; refuses strings, bools, null, ragged lists, huge numbers."""
    label = excerpt(name, 40)

    def check(v, level):
        if isinstance(v, _OutOfRange):
            raise _Refused(f"{label}: the number {excerpt(v.text, 24)} is too large (the limit is "
                           f"{LIMITS.max_abs:g})")
        if isinstance(v, bool) or v is None or isinstance(v, (str, dict)):
            raise _Refused(f"{label}: expected numbers, found {_describe(v)}")
        if isinstance(v, list):
            if level >= 2:
                raise _Refused(f"{label}: nested more than 2 levels deep (expected a vector or a matrix)")
            for item in v:
                check(item, level + 1)
        elif not isinstance(v, (int, float)):
            raise _Refused(f"{label}: expected numbers, found {type(v).__name__}")
        elif isinstance(v, int) and abs(v) > LIMITS.max_abs:  # also ints beyond float64, which np.array refuses
            raise _Refused(f"{label}: the number {excerpt(str(v), 24)} is too large (the limit is "
                           f"{LIMITS.max_abs:g})")

    check(value, depth)
    try:
        arr = np.array(value, dtype=np.float64)
    except ValueError:
        raise _Refused(f"{label}: the rows have different lengths (a matrix needs equal rows)") from None
    return arr


def _check_values(name: str, arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind not in "iuf":
        raise _Refused(f"{name}: expected numbers, found an array of {arr.dtype}")
    arr = np.asarray(arr, np.float64)
    if arr.size > LIMITS.max_numbers:
        raise _Refused(f"{name}: {arr.size} numbers, more than the limit of {LIMITS.max_numbers}")
    if not np.isfinite(arr).all():
        raise _Refused(f"{name}: contains NaN or infinite values")
    if arr.size and np.abs(arr).max() > LIMITS.max_abs:
        raise _Refused(f"{name}: a value has magnitude {np.abs(arr).max():g}, more than the limit of "
                       f"{LIMITS.max_abs:g}")
    return arr


def _expect_shape(name: str, arr: np.ndarray, shape: tuple[int, ...], what: str) -> None:
    if arr.shape != shape:
        raise _Refused(f"{name}: shape {_shape_text(arr.shape)}, expected {_shape_text(shape)} ({what})")


def _check_size(word: str, value: int, limit: int, name: str) -> None:
    if value > limit:
        raise _Refused(f"{name}: {word} = {value} is more than the limit of {limit} (rnnviz.state.LIMITS)")
    if value < 1:
        raise _Refused(f"{name}: {word} = {value}; it must be at least 1")


def _build(arrays: dict[str, np.ndarray], activation, notes: list[str]) -> Loaded:
    """Validated layers from PyTorch-named arrays (plus optional x / h0)."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise _Refused(f"activation: {_describe(activation) if not isinstance(activation, np.ndarray) else '?'}"
                       f" is not one of {', '.join(ACTIVATIONS)}")
    sd, unknown = {}, []
    for name, arr in arrays.items():
        key = name[4:] if name.startswith("rnn.") else name
        if _LAYER_KEY.fullmatch(key) or key in _LINEAR or key in _EXTRA:
            sd[key] = arr
        else:
            unknown.append(name)
    if unknown:
        shown = ", ".join(excerpt(name, 40) for name in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        notes.append(f"Ignored unknown entries: {shown}.")
    indices = sorted({int(_LAYER_KEY.fullmatch(k).group(3)) for k in sd if _LAYER_KEY.fullmatch(k)})
    if not indices:
        raise _Refused("missing key weight_ih_l0: this is not an nn.RNN state dict")
    L = indices[-1] + 1
    if L > MAX_LAYERS:
        raise _Refused(f"the file has {L} layers; rnnviz handles at most {MAX_LAYERS}")
    for name, arr in sd.items():
        _check_values(name, arr)
    layers = []
    for i in range(L):
        for part in ("weight_ih", "weight_hh", "bias_ih"):
            if f"{part}_l{i}" not in sd:
                raise _Refused(f"missing key {part}_l{i}")
        W_x, W_h, b = sd[f"weight_ih_l{i}"], sd[f"weight_hh_l{i}"], sd[f"bias_ih_l{i}"]
        if W_x.ndim != 2:
            raise _Refused(f"weight_ih_l{i}: shape {_shape_text(W_x.shape)}, expected a matrix (n, d)")
        n, d = W_x.shape
        _check_size("n", n, LIMITS.n, f"weight_ih_l{i}")
        if i == 0:
            _check_size("d", d, LIMITS.d, "weight_ih_l0")
        elif d != layers[-1].n:
            raise _Refused(f"weight_ih_l{i}: shape {_shape_text(W_x.shape)}, expected ({n}, {layers[-1].n}): "
                           f"layer {i} reads layer {i - 1}'s hidden state")
        _expect_shape(f"weight_hh_l{i}", W_h, (n, n), "W_h is n x n")
        _expect_shape(f"bias_ih_l{i}", b, (n,), "b has n numbers")
        bias_hh = sd.get(f"bias_hh_l{i}")
        if bias_hh is not None:
            _expect_shape(f"bias_hh_l{i}", bias_hh, (n,), "n numbers")
            if np.any(bias_hh != 0):
                b = b + bias_hh
                _check_values(f"bias_ih_l{i} + bias_hh_l{i}", b)
                notes.append(f"bias_hh_l{i} is not zero: rnnviz has one bias, so b = bias_ih_l{i} + bias_hh_l{i} "
                             "(the same network).")
        layers.append(RNNParams(W_x=W_x, W_h=W_h, b=b, activation=activation))
    W_y, b_y = sd.get("linear.weight"), sd.get("linear.bias")
    if W_y is None and b_y is not None:
        raise _Refused("linear.bias is given without linear.weight")
    if W_y is not None:
        n = layers[-1].n
        if W_y.ndim != 2 or W_y.shape[1] != n:
            raise _Refused(f"linear.weight: shape {_shape_text(W_y.shape)}, expected (k, {n}) (W_y is k x n)")
        _check_size("k", W_y.shape[0], LIMITS.k, "linear.weight")
        if b_y is None:
            b_y = np.zeros(W_y.shape[0])
            notes.append("linear.bias is missing: used zeros for b_y.")
        _expect_shape("linear.bias", b_y, (W_y.shape[0],), "b_y has k numbers")
        layers[-1] = layers[-1].replace(W_y=W_y, b_y=b_y)
    x, h0 = sd.get("x"), sd.get("h0")
    d0, n0 = layers[0].d, layers[0].n
    if x is not None:
        if x.ndim != 2 or x.shape[1] != d0:
            raise _Refused(f"x: shape {_shape_text(x.shape)}, expected (T, {d0}) (one row of d numbers per step)")
        _check_size("T", x.shape[0], LIMITS.T, "x")
    if h0 is not None:
        want = (n0,) if L == 1 else (L, n0)
        if L > 1 and any(layer.n != n0 for layer in layers):
            raise _Refused("h0: stacked layers of different hidden sizes cannot share an h0 array")
        if L > 1 and h0.shape == (n0,):
            h0 = np.vstack([h0, np.zeros((L - 1, n0))])
        _expect_shape("h0", h0, want, "n numbers per layer")
    return Loaded(layers=layers, x=x, h0=h0, notes=notes)


def _parse_json(data: bytes) -> Loaded:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Refused("not JSON: the file is not UTF-8 text") from None
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_json_int, parse_float=_json_float)
    except json.JSONDecodeError as exc:
        raise _Refused(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise _Refused("not JSON: nested too deeply") from None
    if not isinstance(doc, dict):
        raise _Refused(f"expected a JSON object with \"format\": \"{FORMAT}\", found a {type(doc).__name__}")
    missing = [key for key in ("format", "version", "activation", "state_dict") if key not in doc]
    if missing:
        raise _Refused(f"missing key{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                       f"(see the schema: format, version, activation, state_dict)")
    if doc["format"] != FORMAT:
        raise _Refused(f"format is {_describe(doc['format'], 40)}, expected \"{FORMAT}\"")
    if doc["version"] != VERSION or isinstance(doc["version"], bool):
        raise _Refused(f"version {_describe(doc['version'])} is not supported (this app reads version {VERSION})")
    sd = doc["state_dict"]
    if not isinstance(sd, dict):
        raise _Refused("state_dict: expected an object of name: nested lists of numbers")
    notes = []
    unknown = sorted(set(doc) - {"format", "version", "activation", "state_dict", "x", "h0"})
    if unknown:
        notes.append(f"Ignored unknown top-level keys: {', '.join(excerpt(key, 40) for key in unknown[:5])}.")
    arrays = {}
    for name, value in list(sd.items()) + [(key, doc[key]) for key in ("x", "h0") if key in doc]:
        arrays[name] = _nested_numbers(name, value)
    return _build(arrays, doc["activation"], notes)


def _npz_member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """(shape, dtype) of one .npy member, read from its header without loading data."""
    with zf.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        except Exception:
            raise _Refused(f"{excerpt(info.filename, 40)}: not a NumPy .npy array") from None
    return shape, dtype


def _parse_npz(data: bytes) -> Loaded:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _Refused("not an .npz archive (a zip of .npy arrays, as np.savez writes)") from None
    if len(infos) > _MAX_NPZ_MEMBERS:
        raise _Refused(f"the archive has {len(infos)} entries, more than {_MAX_NPZ_MEMBERS}")
    if sum(info.file_size for info in infos) > _MAX_NPZ_UNPACKED:
        raise _Refused(f"the archive unpacks to more than {_MAX_NPZ_UNPACKED:,} bytes")
    headers = {}
    for info in infos:
        if not info.filename.endswith(".npy"):
            raise _Refused(f"{excerpt(info.filename, 40)}: not a .npy array (an .npz holds only .npy files)")
        if info.filename[:-4] in headers:
            raise _Refused(f"the archive holds {excerpt(info.filename, 40)} twice (which one was meant?)")
        shape, dtype = _npz_member_header(zf, info)
        name = excerpt(info.filename[:-4], 40)  # for the messages
        if dtype.hasobject:
            raise _Refused(f"{name}: holds Python objects (a pickle); refused: only plain number arrays are loaded")
        if int(np.prod(shape)) > LIMITS.max_numbers:
            raise _Refused(f"{name}: {int(np.prod(shape))} numbers, more than the limit of {LIMITS.max_numbers}")
        headers[info.filename[:-4]] = (shape, dtype)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            loaded = {name: npz[name] for name in npz.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise _Refused("holds Python objects (a pickle); refused: only plain number arrays are loaded") from None
        raise _Refused(f"could not read the arrays ({excerpt(exc, 120)})") from None
    activation = "tanh"
    notes = []
    act = loaded.pop("rnnviz.activation", loaded.pop("activation", None))
    if act is None:
        notes.append("No rnnviz.activation in the file: assumed tanh (nn.RNN's default).")
    elif act.dtype.kind == "U" and act.ndim == 0:
        activation = str(act)
    else:
        raise _Refused("rnnviz.activation: expected a string, tanh or relu")
    arrays = {}
    for name, arr in loaded.items():
        key = name[len("rnnviz."):] if name.startswith("rnnviz.") else name
        if arr.dtype.kind not in "iuf":
            raise _Refused(f"{excerpt(name, 40)}: expected numbers, found an array of {arr.dtype}")
        arrays[key] = arr
    return _build(arrays, activation, notes)


def read_weights(data: bytes, filename: str = "") -> tuple[Loaded | None, list[str]]:
    """A weight file (JSON or .npz, told apart by content) -> (Loaded, []) or (None, [why]).  Never raises."""
    try:
        if not isinstance(data, (bytes, bytearray)):
            raise _Refused("expected the file's bytes")
        if len(data) > MAX_BYTES:
            raise _Refused(f"the file is {len(data):,} bytes; the limit is {MAX_BYTES:,}")
        if not data.strip():
            raise _Refused("the file is empty")
        name = (filename or "").lower()
        if data[:4] == b"PK\x03\x04" or (name.endswith(".npz") and not data.lstrip().startswith(b"{")):
            return _parse_npz(bytes(data)), []
        return _parse_json(bytes(data)), []
    except _Refused as refused:
        return None, [f"{_file_label(filename)}: {refused}"]
    except Exception as exc:  # a safety net: importing must never raise
        return None, [f"{_file_label(filename)}: could not be read ({type(exc).__name__})"]


def _file_label(filename) -> str:
    """The uploaded file's name for a message: one line, shortened (plain text; the page escapes it)."""
    return excerpt(filename, 60) if filename else "the file"


def load_weights(data: bytes, filename: str = "", base: SimState | None = None) -> tuple[SimState | None, list[str]]:
    """A SimState from a weight file, and messages.  Never raises.

    Success: (state, notes), e.g. bias_hh folded into b, inputs kept from ``base``.  Failure:
    (None, [why]).  x / h0 missing from the file come from ``base`` (resized to the new sizes).
    A stacked file loads every layer (the state's ``L`` and layers 2..L); layers of different hidden
    sizes cannot stack in the simulator, so then only layer 1 loads, with a note.  Layers 2.. start
    from h_0 = 0 in the simulator: nonzero rows of a file's h0 for them are dropped, with a note.
    """
    loaded, errors = read_weights(data, filename)
    if loaded is None:
        return None, errors
    try:
        notes = list(loaded.notes)
        layers = loaded.layers
        params = layers[0].replace(W_y=layers[-1].W_y, b_y=layers[-1].b_y)  # the state holds W_y with layer 1
        h0 = loaded.h0
        upper = {}
        if len(layers) > 1:
            if all(layer.n == params.n for layer in layers):
                for i, layer in enumerate(layers[1:], start=2):
                    upper.update({f"W_h{i}": layer.W_h, f"W_x{i}": layer.W_x, f"b{i}": layer.b})
                if h0 is not None and np.any(h0[1:] != 0):
                    notes.append("The file's h0 of layers 2.. is not zero; the simulator starts those layers from "
                                 "h_0 = 0, so they were set to zero.")
            else:
                params = layers[0]
                notes.append(f"The file's {len(layers)} layers have different hidden sizes, which the simulator "
                             "cannot stack, so it loaded layer 1 (weight_*_l0) without the output layer.")
            h0 = None if h0 is None else h0[0]
        if loaded.x is None:
            notes.append("The file has no inputs x: kept the current inputs.")
        state, warnings = validate_state(
            base=base, n=params.n, d=params.d, k=params.k, activation=params.activation, W_h=params.W_h,
            W_x=params.W_x, b=params.b, W_y=params.W_y, b_y=params.b_y, x=loaded.x, h0=h0,
            T=None if loaded.x is None else loaded.x.shape[0], L=1 + len(upper) // 3, **upper)
        return state, notes + warnings
    except Exception as exc:  # a safety net
        return None, [f"{_file_label(filename)}: could not be loaded ({type(exc).__name__})"]
