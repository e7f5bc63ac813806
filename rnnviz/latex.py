"""LaTeX for the lesson's derivation with live numbers substituted (no streamlit, no math of its own).

Symbols are tinted with the colors of the visual language so equation and chart read as one.
Numbers come in from ``analysis.step_terms`` (the engine's arithmetic) and are only printed here.
"""

from __future__ import annotations

import numpy as np

from rnnviz.figures import COLORS, fmt

SYMBOL_COLORS = {"x": COLORS["x"], "a": COLORS["pre"], "h": COLORS["h"], "y": COLORS["y"]}
MAX_ROWS = 8  # longer vectors are shown as their first rows, a \vdots and the last row


def sym(name: str, sub: str) -> str:
    """A colored symbol with a subscript, e.g. sym("h", "t-1") -> \\color{#2563eb}{h_{t-1}}."""
    return rf"{{\color{{{SYMBOL_COLORS[name]}}}{{{name}_{{{sub}}}}}}}"


def _rows(values, decimals: int) -> list[str]:
    values = np.asarray(values, dtype=float).ravel()
    texts = [fmt(v, decimals) for v in values]
    if len(texts) > MAX_ROWS:
        texts = texts[: MAX_ROWS - 2] + [r"\vdots", texts[-1]]
    return texts


def vec(values, decimals: int = 4, color: str | None = None) -> str:
    """A column vector as a bmatrix, optionally colored."""
    body = r"\begin{bmatrix}" + r"\\".join(_rows(values, decimals)) + r"\end{bmatrix}"
    return rf"{{\color{{{color}}}{{{body}}}}}" if color else body


def mat(W, decimals: int = 4) -> str:
    """A small matrix as a bmatrix (big ones are elided to their corner)."""
    W = np.atleast_2d(np.asarray(W, dtype=float))
    rows = [[fmt(v, decimals) for v in row[:MAX_ROWS]] + ([r"\cdots"] if W.shape[1] > MAX_ROWS else [])
            for row in W[:MAX_ROWS]]
    if W.shape[0] > MAX_ROWS:
        rows.append([r"\vdots"] * len(rows[0]))
    return r"\begin{bmatrix}" + r"\\".join(" & ".join(r) for r in rows) + r"\end{bmatrix}"


def _products(W, v, decimals: int) -> str | None:
    """Row-by-row dot products "0.5 × 0.9354 + 0.2 × 0.7163" for small sizes, as the lesson writes them."""
    W, v = np.atleast_2d(W), np.ravel(v)
    if W.shape[0] > 3 or W.shape[1] > 3:
        return None
    def factor(u):  # a negative second factor is bracketed: 0.8 × (−1.0), not 0.8 × −1.0
        text = fmt(u, decimals)
        return rf"({text})" if text.startswith("-") else text

    def terms(row):  # the sign of a negative weight folds into the operator: "+ −0.2" is written "− 0.2"
        out = ""
        for j, (w, u) in enumerate(zip(row, v, strict=True)):
            text = fmt(w, decimals)
            if j:
                out += " - " if text.startswith("-") else " + "
                text = text.removeprefix("-")
            out += rf"{text} \times {factor(u)}"
        return out

    return r"\begin{bmatrix}" + r"\\".join(terms(row) for row in W) + r"\end{bmatrix}"


def derivation(terms: dict, t: int, activation: str, decimals: int = 4, W_h=None, W_x=None,
               W_y=None, b_y=None) -> list[str]:
    """The lines of step t, like the lesson's worked example, from ``analysis.step_terms``."""
    f = r"\tanh" if activation == "tanh" else r"\operatorname{relu}"
    a_t, h_t, h_prev, x_t = sym("a", "t"), sym("h", "t"), sym("h", "t-1"), sym("x", "t")
    update = rf"{a_t} = W_h\,{h_prev} + W_x\,{x_t} + b, \qquad {h_t} = {f}({a_t})"
    if terms["y"] is not None:  # the output on a line of its own: the three equations do not fit one column
        update = rf"\begin{{gathered}}{update}, \\ {sym('y', 't')} = W_y\,{h_t} + b_y\end{{gathered}}"
    lines = [
        update,
        rf"\text{{step }} t = {t}:\quad {sym('x', str(t))} = {vec(terms['x'], decimals, COLORS['x'])},\quad "
        rf"{sym('h', str(t - 1))} = {vec(terms['h_prev'], decimals, COLORS['h'])}",
    ]
    if W_h is not None:  # the dot products written out, one line per matrix, as the lesson does
        for W, v, symbol, key in ((W_h, terms["h_prev"], sym("h", str(t - 1)), "Wh_h"),
                                  (W_x, terms["x"], sym("x", str(t)), "Wx_x")):
            products = _products(W, v, decimals)
            if products is not None:
                name = "W_h" if key == "Wh_h" else "W_x"
                lines.append(rf"{name}\,{symbol} = {products} = {vec(terms[key], decimals)}")
    lines.append(
        rf"{sym('a', str(t))} = {vec(terms['Wh_h'], decimals)} + {vec(terms['Wx_x'], decimals)} + "
        rf"{vec(terms['b'], decimals)} = {vec(terms['pre'], decimals, COLORS['pre'])}"
    )
    lines.append(rf"{sym('h', str(t))} = {f}\!\left({vec(terms['pre'], decimals, COLORS['pre'])}\right) = "
                 rf"{vec(terms['h'], decimals, COLORS['h'])}")
    if terms["y"] is not None:
        # Three short lines, not one of ~1,200 px that a column clips before y_t itself
        lines.append(rf"\begin{{aligned}}{sym('y', str(t))} &= W_y\,{sym('h', str(t))} + b_y \\"
                     rf" &= {mat(W_y, decimals)}{vec(terms['h'], decimals, COLORS['h'])} + {vec(b_y, decimals)} \\"
                     rf" &= {vec(terms['y'], decimals, COLORS['y'])}\end{{aligned}}")
    return lines
