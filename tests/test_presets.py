"""Presets, input generators, parse_inputs, whole-matrix knobs and resizing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markup_check import assert_inert, visible

from rnnviz.analysis import spectral_radius
from rnnviz.engine import backward, forward
from rnnviz.presets import (
    INPUT_KINDS,
    PRESETS,
    identity_matrix,
    make_inputs,
    make_preset,
    orthogonal_matrix,
    parse_inputs,
    random_matrix,
    scale_to_spectral_radius,
    zeros,
)
from rnnviz.query import from_query, to_query
from rnnviz.state import LIMITS, SimState, default_state, resized
from rnnviz.text import excerpt, to_markdown

# --------------------------------------------------------------------------- presets


def test_preset_names_and_descriptions():
    assert list(PRESETS) == ["lesson", "long memory", "saturating", "exploding", "vanishing"]
    assert all(isinstance(v, str) and v.endswith(".") for v in PRESETS.values())
    with pytest.raises(ValueError):
        make_preset("nope")


def test_lesson_preset_is_default_state():
    assert make_preset("lesson") == default_state()
    s = make_preset("lesson", n=4, T=6)
    assert (s.n, s.T) == (4, 6)
    np.testing.assert_array_equal(s.params.W_h[:2, :2], default_state().params.W_h)


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_presets_are_valid_seeded_and_roundtrip(name, seed):
    s = make_preset(name, seed=seed)
    assert isinstance(s, SimState) and s.t == 1
    assert make_preset(name, seed=seed) == s
    assert from_query(to_query(s)) == (s, [])
    tr = forward(s.params, s.x, s.h0)
    assert np.all(np.isfinite(tr.h))


@pytest.mark.parametrize("name", ["long memory", "saturating", "exploding", "vanishing"])
def test_presets_differ_by_seed_and_accept_sizes(name):
    assert make_preset(name, seed=0) != make_preset(name, seed=1)
    s = make_preset(name, n=8, d=3, k=2, T=30, seed=3)
    assert (s.n, s.d, s.k, s.T) == (8, 3, 2, 30)
    assert np.all(s.params.b_y == 0)
    with pytest.raises(ValueError):
        make_preset(name, n=LIMITS.n + 1)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("n", [2, 3, 8])
def test_exploding_and_vanishing_spectral_radius(seed, n):
    # Preset weights are written with 3 decimals (readable links), so the radius is 1.6 to about 1e-3.
    assert spectral_radius(make_preset("exploding", n=n, seed=seed).params.W_h) == pytest.approx(1.6, abs=5e-3)
    assert spectral_radius(make_preset("vanishing", n=n, seed=seed).params.W_h) == pytest.approx(0.4, abs=5e-3)
    assert 0.9 < spectral_radius(make_preset("long memory", n=n, seed=seed).params.W_h) < 1.1


@pytest.mark.parametrize("seed", range(10))
def test_exploding_state_and_gradients_grow(seed):
    s = make_preset("exploding", seed=seed)
    tr = forward(s.params, s.x, s.h0)
    norms = np.linalg.norm(tr.h[1:], axis=1)
    assert np.all(np.diff(norms) > 0) and norms[-1] > 50 * norms[0]
    dh = np.zeros_like(tr.h[1:])
    dh[-1] = 1.0
    g = backward(s.params, tr, dh=dh)
    assert np.linalg.norm(g.dh[1]) > 50 * np.linalg.norm(g.dh[-1])


@pytest.mark.parametrize("seed", range(10))
def test_vanishing_state_and_gradients_fade(seed):
    s = make_preset("vanishing", seed=seed)
    tr = forward(s.params, s.x, s.h0)
    assert np.linalg.norm(tr.h[-1]) < 1e-3 * np.linalg.norm(tr.h[1])
    dh = np.zeros_like(tr.h[1:])
    dh[-1] = 1.0
    g = backward(s.params, tr, dh=dh)
    assert np.linalg.norm(g.dh[1]) < 1e-3 * np.linalg.norm(g.dh[-1])


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("n", [3, 8])
def test_long_memory_remembers(seed, n):
    s = make_preset("long memory", n=n, seed=seed)
    h = forward(s.params, s.x, s.h0).h
    assert np.linalg.norm(h[20]) > 0.2 * np.linalg.norm(h[1]) > 0
    assert np.linalg.norm(h[40]) > 0.05 * np.linalg.norm(h[1])
    # the same impulse through the vanishing preset is gone long before
    v = make_preset("vanishing", seed=seed)
    hv = forward(v.params, v.x, v.h0).h
    assert np.linalg.norm(hv[10]) < 1e-3 * np.linalg.norm(hv[1])


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("n, d", [(3, 1), (1, 1), (8, 3), (32, 16)])
def test_saturating_pins_tanh(seed, n, d):
    s = make_preset("saturating", n=n, d=d, seed=seed)
    assert s.activation == "tanh"
    h = forward(s.params, s.x, s.h0).h
    assert np.mean(np.abs(h[3:]) > 0.99) >= 0.85


# --------------------------------------------------------------------------- input generators

@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("T, d", [(1, 1), (2, 1), (12, 3), (LIMITS.T, LIMITS.d)])
def test_inputs_shape_dtype_and_determinism(kind, T, d):
    x = make_inputs(kind, T, d, seed=5)
    assert x.shape == (T, d) and x.dtype == np.float64 and np.all(np.isfinite(x))
    np.testing.assert_array_equal(x, make_inputs(kind, T, d, seed=5))


def test_random_inputs_depend_on_seed():
    a, b = make_inputs("random", 20, 2, seed=0), make_inputs("random", 20, 2, seed=1)
    assert not np.array_equal(a, b)
    assert np.std(make_inputs("random", 500, 4, seed=0, scale=3.0)) == pytest.approx(3.0, rel=0.1)
    np.testing.assert_array_equal(make_inputs("random", 5, 1, seed=np.random.default_rng(2)),
                                  np.random.default_rng(2).normal(0, 1, (5, 1)))


def test_lesson_inputs():
    np.testing.assert_array_equal(make_inputs("lesson", 2, 1), [[2.0], [-1.0]])
    np.testing.assert_array_equal(make_inputs("lesson", 5, 2)[:, 0], [2, -1, 2, -1, 2])
    np.testing.assert_array_equal(make_inputs("lesson", 5, 2)[:, 1], 0)
    np.testing.assert_array_equal(make_inputs("lesson", 1, 1), [[2.0]])


def test_sine_inputs():
    x = make_inputs("sine", 16, 2, period=8, amplitude=2.0)
    np.testing.assert_allclose(x[:, 0], 2 * np.sin(2 * np.pi * np.arange(16) / 8))
    np.testing.assert_allclose(x[:, 1], 2 * np.cos(2 * np.pi * np.arange(16) / 8), atol=1e-12)  # shifted pi/2
    np.testing.assert_allclose(x[2, 0], 2.0)
    with pytest.raises(ValueError):
        make_inputs("sine", 4, 1, period=0)


def test_step_and_impulse_inputs():
    np.testing.assert_array_equal(make_inputs("step", 5, 1, s=3, value=2.0)[:, 0], [0, 0, 2, 2, 2])
    np.testing.assert_array_equal(make_inputs("impulse", 5, 1, s=2, value=-1.0)[:, 0], [0, -1, 0, 0, 0])
    np.testing.assert_array_equal(make_inputs("impulse", 3, 2), [[1, 1], [0, 0], [0, 0]])
    with pytest.raises(ValueError):
        make_inputs("impulse", 5, 1, s=6)
    with pytest.raises(ValueError):
        make_inputs("step", 5, 1, s=0)


def test_custom_inputs():
    np.testing.assert_array_equal(make_inputs("custom", 3, 2), 0)
    np.testing.assert_array_equal(make_inputs("custom", 3, 2, values=[1, 2]), [[1, 0], [2, 0], [0, 0]])
    np.testing.assert_array_equal(make_inputs("custom", 1, 1, values=[[5, 6], [7, 8]]), [[5]])


@pytest.mark.parametrize("args, options", [
    (("bogus", 3, 1), {}), (("sine", 0, 1), {}), (("sine", LIMITS.T + 1, 1), {}), (("sine", 3, 0), {}),
    (("sine", 3, LIMITS.d + 1), {}), (("step", 3, 1), {"period": 2}), (("impulse", 3, 1), {"value": float("nan")}),
    (("impulse", 3, 1), {"value": 1e7}), (("random", 3, 1), {"scale": float("inf")}),
])
def test_inputs_bad_arguments_raise_value_error(args, options):
    with pytest.raises(ValueError):
        make_inputs(*args, **options)


# --------------------------------------------------------------------------- parse_inputs

@pytest.mark.parametrize("text, d, expected", [
    ("1,2\n3,4\n", 2, [[1, 2], [3, 4]]),
    ("1 2\n\n  3\t4  \n", 2, [[1, 2], [3, 4]]),
    ("1\n-2.5e-1\n", 1, [[1], [-0.25]]),
    ("2,-1", 1, [[2], [-1]]),  # one line with d=1: steps
    ("\ufeff2\n-1\n", 1, [[2], [-1]]),
    (b"2\r\n-1\r\n", 1, [[2], [-1]]),
])
def test_parse_inputs_good(text, d, expected):
    x, warnings = parse_inputs(text, d)
    assert warnings == []
    np.testing.assert_array_equal(x, expected)
    assert x.dtype == np.float64


@pytest.mark.parametrize("text, d, expected, warnings", [
    ("a,b\n1,2\n3,4", 2, [[1, 2], [3, 4]], ["x: line 1 was read as a header (column names) and skipped: “a,b”."]),
    ("x1,x2\n1,2", 2, [[1, 2]], ["x: line 1 was read as a header (column names) and skipped: “x1,x2”."]),
    ("\n\nx1;x2\r\n1;2\r\n", 2, [[1, 2]], ["x: line 3 was read as a header (column names) and skipped: “x1;x2”."]),
    ('"h_t", \'_u\', ｘ, Infinite\n1,2,3,4', 4, [[1, 2, 3, 4]], None),
    ("\ufeffx\n2\n-1\n", 1, [[2], [-1]], ["x: line 1 was read as a header (column names) and skipped: “x”."]),
    (b"x\n2\n-1\n", 1, [[2], [-1]], ["x: line 1 was read as a header (column names) and skipped: “x”."]),
    ("# comment\n1\n-2.5e-1\n", 1, [[1], [-0.25]], ["x: skipped line starting with # as comments (1)."]),
    ("#a\n1\n#b\n#c\n#d\n#e\n#f\n2", 1, [[1], [2]],
     ["x: skipped 6 lines starting with # as comments (1, 3, 4, 5, 6, …)."]),
    ("# units\nt\n1\n", 1, [[1]], ["x: skipped line starting with # as comments (1).",
                                     "x: line 2 was read as a header (column names) and skipped: “t”."]),
])
def test_parse_inputs_warns_for_every_skipped_line(text, d, expected, warnings):
    x, got = parse_inputs(text, d)
    np.testing.assert_array_equal(x, expected)
    if warnings is None:
        assert len(got) == 1 and got[0].startswith("x: line 1 was read as a header")
    else:
        assert got == warnings


def test_parse_inputs_header_warning_shows_the_line_as_plain_text():
    header = "x**BOLD**, img![p](http://host/p.png), c:red[x]"
    x, warnings = parse_inputs(header + "\n1,2,3", 3)
    np.testing.assert_array_equal(x, [[1, 2, 3]])
    assert warnings == [f"x: line 1 was read as a header (column names) and skipped: “{header}”."]
    shown = to_markdown(warnings[0])  # what the page renders (rnnviz/ui/messages.py)
    assert_inert(shown)
    assert visible(shown) == warnings[0]
    x, warnings = parse_inputs("x\ty" + "z" * 100 + "\n1,2", 2)
    shortened = "x y" + "z" * 57 + "… (103 characters)"  # 60 characters kept, the tab made a space
    assert warnings == [f"x: line 1 was read as a header (column names) and skipped: “{shortened}”."]


@pytest.mark.parametrize("text, words", [
    # A mistyped first value is a data error with its line number, never a header that drops the row.
    ("nan\n1\n2", "line 1 has 'nan', which is not a finite number"),
    ("-inf\n1\n2", "line 1 has '-inf', which is not a finite number"),
    ("Infinity\n1\n2", "line 1 has 'Infinity', which is not a finite number"),
    ("１\n1\n2", "line 1 has '１', which is not a number (write the digits 0-9)"),
    ("1e5x\n1\n2", "line 1 has '1e5x', which is not a number"),
    ("1\x00\n2\n", "line 1 has '1␀', which is not a number (it holds a control character)"),
    ("x\x00\n2\n", "line 1 has 'x␀', which is not a number (it holds a control character)"),
    (b"1\x00\n2\n", "line 1 has '1␀'"),
    ("1,2\n3,nan", "line 2 has 'nan', which is not a finite number"),
    ("x,1e5x\n1,2", "line 1 is neither a header nor data: 'x' is a column name but '1e5x' is not"),
    ("time,1\n2,3", "line 1 is neither a header nor data: 'time' is a column name but '1' is not"),
])
def test_parse_inputs_number_like_first_line_is_an_error(text, words):
    d = 2 if "," in (text if isinstance(text, str) else text.decode()) else 1
    x, warnings = parse_inputs(text, d)
    assert x is None
    assert len(warnings) == 1 and warnings[0].startswith("x: ") and warnings[0].endswith("it was not read.")
    assert words in warnings[0]


def test_parse_inputs_width_mismatch_fits_to_d():
    x, warnings = parse_inputs("1,2,3\n4,5,6", 2)
    np.testing.assert_array_equal(x, [[1, 2], [4, 5]])
    assert warnings == ["x: the data has 3 columns but the network has d=2 inputs; used the first 2."]
    x, warnings = parse_inputs("1\n2", 3)
    np.testing.assert_array_equal(x, [[1, 0, 0], [2, 0, 0]])
    assert len(warnings) == 1 and warnings[0].startswith("x: ")


@pytest.mark.parametrize("text, d, words", [
    ("", 1, "no numbers"), ("a,b\n", 1, "no numbers"), ("1,2\n3\n", 2, "line 2 has 1 numbers"),
    ("1\nfoo\n", 1, "'foo', which is not a number"), ("1\nnan\n", 1, "not a finite number"),
    ("1\n1e400\n", 1, "outside"),
    ("1\n2e6\n", 1, "outside"), ("\n".join(["1"] * (LIMITS.T + 1)), 1, "more than the limit of 500"),
    (",".join(["1"] * (LIMITS.T + 1)), 1, "more than the limit of 500"), ("1" * 200_001, 1, "larger than 200 kB"),
    ("é" * 100_001, 1, "larger than 200 kB"), (None, 1, "expected text"), (12, 1, "expected text"),
    ("1\n2", 0, "input size d"), ("1\n2", LIMITS.d + 1, "input size d"), ("1\n2", "2", "input size d"),
    ("1\n<b>x</b>", 1, "'<b>x</b>'"),
    pytest.param("1\n" + "9" * 5000, 1, "line 2 has a number 5,000 characters long, more than the limit of 64",
                 id="5000-digits"),
    pytest.param("1\n" + "x" * 5000, 1, "'xxxxxxxxxxxxxxxxxxxx… (5,000 characters)'", id="5000-letters"),
])
def test_parse_inputs_bad(text, d, words):
    x, warnings = parse_inputs(text, d)
    assert x is None
    assert warnings[-1].startswith("x: ") and warnings[-1].endswith(".")
    assert words in warnings[-1]


@pytest.mark.parametrize("text", ["1\n![p](http://h/p.png)", "1\n**BOLD**", "1\n:material/warning:", "1\n$x$",
                                  "1\n[a](http://h/a)"])
def test_parse_inputs_shows_bad_tokens_as_plain_text(text):
    x, warnings = parse_inputs(text, 1)
    token = text.split("\n")[1]
    assert x is None and warnings == [f"x: line 2 has '{excerpt(token, 20)}', which is not a number; it was not read."]
    assert_inert(to_markdown(warnings[0]))
    assert visible(to_markdown(warnings[0])) == warnings[0]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500), st.integers(1, 4))
def test_parse_inputs_never_raises(text, d):
    x, warnings = parse_inputs(text, d)
    if x is None:
        assert warnings
    else:
        assert x.shape[1] == d and 1 <= x.shape[0] <= LIMITS.T and np.all(np.isfinite(x))
    assert all(w.startswith("x: ") for w in warnings)


_LINE = st.one_of(
    st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=2).map(lambda r: ",".join(repr(v) for v in r)),
    st.sampled_from(["nan,1", "１,2", "1e5x,3", "1\x00,4", "a,b", "x1,x2", "# note", "", "  ", "inf,-inf", "t,5"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=12))
def test_parse_inputs_never_drops_a_line_silently(lines):
    """Every line that is not blank is a row of x, or is named in a warning, or the data is refused."""
    x, warnings = parse_inputs("\n".join(lines), 2)
    if x is None:
        return
    content = [i for i, line in enumerate(lines, start=1) if line.strip()]
    comments = [i for i in content if lines[i - 1].strip().startswith("#")]
    headers = [int(w.split()[2]) for w in warnings if "was read as a header" in w]
    assert x.shape[0] + len(comments) + len(headers) == len(content)
    assert headers in ([], [min(set(content) - set(comments))])
    if comments:
        assert any("as comments" in w for w in warnings)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=3), min_size=1, max_size=30))
def test_parse_inputs_reads_what_was_written(rows):
    text = "a,b,c\n" + "\n".join(",".join(repr(v) for v in row) for row in rows)
    x, warnings = parse_inputs(text, 3)
    assert warnings == ["x: line 1 was read as a header (column names) and skipped: “a,b,c”."]
    np.testing.assert_array_equal(x, rows)


# --------------------------------------------------------------------------- matrix knobs

def test_simple_matrices():
    np.testing.assert_array_equal(identity_matrix(3), np.eye(3))
    np.testing.assert_array_equal(zeros((2, 3)), np.zeros((2, 3)))
    a = random_matrix((4, 3), seed=1, scale=0.5)
    assert a.shape == (4, 3)
    np.testing.assert_array_equal(a, random_matrix((4, 3), seed=1, scale=0.5))
    assert not np.array_equal(a, random_matrix((4, 3), seed=2, scale=0.5))
    assert np.std(random_matrix((100, 100), seed=0, scale=0.5)) == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize("n", [1, 2, 5, 64])
def test_orthogonal_matrix(n):
    q = orthogonal_matrix(n, seed=3)
    np.testing.assert_allclose(q @ q.T, np.eye(n), atol=1e-12)
    assert spectral_radius(q) == pytest.approx(1.0)
    np.testing.assert_array_equal(q, orthogonal_matrix(n, seed=3))
    if n > 1:
        assert not np.array_equal(q, orthogonal_matrix(n, seed=4))


def test_spectral_radius():
    assert spectral_radius([[0.5, 0.2], [0.3, 0.6]]) == pytest.approx(0.8)
    assert spectral_radius([[0, -2], [2, 0]]) == pytest.approx(2.0)  # complex eigenvalues
    with pytest.raises(ValueError):
        spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError):
        spectral_radius([[np.nan]])


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 10), st.integers(0, 10**6), st.floats(0.0, 5.0))
def test_scale_to_spectral_radius(n, seed, rho):
    W = random_matrix((n, n), seed)
    out, warning = scale_to_spectral_radius(W, rho)
    assert warning is None
    assert spectral_radius(out) == pytest.approx(rho, abs=1e-9)
    np.testing.assert_allclose(out * spectral_radius(W), W * rho, atol=1e-9)


def test_scale_to_spectral_radius_zero_and_nilpotent():
    W = np.zeros((3, 3))
    out, warning = scale_to_spectral_radius(W, 1.2)
    np.testing.assert_array_equal(out, W)
    assert warning.startswith("W_h: ") and "cannot be scaled" in warning
    nil = np.array([[0.0, 1.0], [0.0, 0.0]])
    out, warning = scale_to_spectral_radius(nil, 1.0)
    np.testing.assert_array_equal(out, nil)
    assert warning is not None
    out, warning = scale_to_spectral_radius(np.eye(2) * 1e-9, 1e6)
    assert warning is not None and "too large" in warning
    with pytest.raises(ValueError):
        scale_to_spectral_radius(np.eye(2), -1)
    W = np.eye(2)
    scale_to_spectral_radius(W, 2.0)
    np.testing.assert_array_equal(W, np.eye(2))  # input untouched


# --------------------------------------------------------------------------- resizing

def test_resize_keeps_top_left_and_fills_seeded():
    s = make_preset("vanishing", n=3, T=5)
    big = resized(s, n=5, d=2, T=8, seed=1)
    assert (big.n, big.d, big.T) == (5, 2, 8)
    np.testing.assert_array_equal(big.params.W_h[:3, :3], s.params.W_h)
    np.testing.assert_array_equal(big.params.W_x[:3, :1], s.params.W_x)
    np.testing.assert_array_equal(big.params.b[:3], s.params.b)
    np.testing.assert_array_equal(big.params.b[3:], 0)
    np.testing.assert_array_equal(big.x[:5, :1], s.x)
    np.testing.assert_array_equal(big.x[5:], 0)
    np.testing.assert_array_equal(big.x[:, 1], 0)
    assert np.all(big.params.W_h[3:] != 0) and np.all(np.abs(big.params.W_h[3:]) < 3)
    assert resized(s, n=5, d=2, T=8, seed=1) == big
    assert resized(s, n=5, d=2, T=8, seed=2) != big
    small = resized(big, n=3, d=1, T=5)
    assert small == s  # shrinking back restores the original
    assert resized(s) == s


def test_resize_output_layer_and_t():
    s = default_state().replace(t=2)
    with_out = resized(s, k=2)
    assert with_out.k == 2 and with_out.params.W_y.shape == (2, 2)
    assert np.all(with_out.params.W_y != 0) and np.all(with_out.params.b_y == 0)
    assert resized(with_out, k=0).params.W_y is None
    assert resized(with_out, k=0) == s
    assert resized(s, T=1).t == 1
    with pytest.raises(ValueError):
        resized(s, T=LIMITS.T + 1)
    with pytest.raises(ValueError):
        resized(s, n=0)


@pytest.mark.parametrize("name", [name for name in PRESETS if name != "lesson"])
def test_preset_numbers_have_at_most_3_decimals(name):
    s = make_preset(name, n=5, d=2, k=2, seed=3)
    for arr in (*s.params.arrays().values(), s.x):
        np.testing.assert_array_equal(arr, np.round(arr, 3))
