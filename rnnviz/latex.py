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


class Printer:
    """Prints the derivation's numbers (``fmt``).  ``ref`` says where a number comes from (for templates);
    ``style``: "plain", "term" (a weight after the first in a row of products: its sign becomes the operator,
    "+ −0.2" is written "− 0.2") or "factor" (a negative second factor is bracketed: 0.8 × (−1.0))."""

    def __init__(self, decimals: int = 4):
        self.decimals = decimals

    def num(self, value, ref: dict | None = None, style: str = "plain") -> str:
        return styled(fmt(value, self.decimals), style)


def styled(text: str, style: str) -> str:
    if style == "term":
        return (" - " if text.startswith("-") else " + ") + text.removeprefix("-")
    if style == "factor":
        return rf"({text})" if text.startswith("-") else text
    return text


class TemplatePrinter(Printer):
    """Prints a placeholder ``@k@`` for every number with a ref and keeps (ref + style) as slot k: the browser
    fills the slots with the same printing (view.js, fillTemplate) while a slider is dragged."""

    def __init__(self, decimals: int = 4):
        super().__init__(decimals)
        self.slots: list[dict] = []

    def num(self, value, ref: dict | None = None, style: str = "plain") -> str:
        if ref is None:
            return super().num(value, ref, style)
        self.slots.append({**ref, "style": style})
        return f"@{len(self.slots) - 1}@"


def _rows(values, printer: Printer, ref=None) -> list[str]:
    values = np.asarray(values, dtype=float).ravel()
    shown = list(range(len(values)))
    if len(shown) > MAX_ROWS:
        shown = shown[: MAX_ROWS - 2] + [None, shown[-1]]
    return [r"\vdots" if i is None else printer.num(values[i], ref(i) if ref else None) for i in shown]


def vec(values, decimals: int = 4, color: str | None = None, printer: Printer | None = None, ref=None) -> str:
    """A column vector as a bmatrix, optionally colored; ``ref(i)``: where row i comes from (templates)."""
    printer = printer or Printer(decimals)
    body = r"\begin{bmatrix}" + r"\\".join(_rows(values, printer, ref)) + r"\end{bmatrix}"
    return rf"{{\color{{{color}}}{{{body}}}}}" if color else body


def mat(W, decimals: int = 4, printer: Printer | None = None, name: str | None = None) -> str:
    """A small matrix as a bmatrix (big ones are elided to their corner); ``name``: the parameter (templates)."""
    printer = printer or Printer(decimals)
    W = np.atleast_2d(np.asarray(W, dtype=float))
    ref = (lambda i, j: {"q": name, "i": i, "j": j}) if name else (lambda i, j: None)
    rows = [[printer.num(v, ref(i, j)) for j, v in enumerate(row[:MAX_ROWS])]
            + ([r"\cdots"] if W.shape[1] > MAX_ROWS else []) for i, row in enumerate(W[:MAX_ROWS])]
    if W.shape[0] > MAX_ROWS:
        rows.append([r"\vdots"] * len(rows[0]))
    return r"\begin{bmatrix}" + r"\\".join(" & ".join(r) for r in rows) + r"\end{bmatrix}"


def _products(W, v, printer: Printer, name: str, v_ref) -> str | None:
    """Row-by-row dot products "0.5 × 0.9354 + 0.2 × 0.7163" for small sizes, as the lesson writes them."""
    W, v = np.atleast_2d(W), np.ravel(v)
    if W.shape[0] > 3 or W.shape[1] > 3:
        return None

    def terms(i, row):
        return "".join(printer.num(w, {"q": name, "i": i, "j": j}, "term" if j else "plain") + r" \times "
                       + printer.num(u, v_ref(j), "factor") for j, (w, u) in enumerate(zip(row, v, strict=True)))

    return r"\begin{bmatrix}" + r"\\".join(terms(i, row) for i, row in enumerate(W)) + r"\end{bmatrix}"


def _refs(t: int) -> dict:
    """Where each of step_terms' vectors comes from: a forward-pass quantity at a row, or a parameter."""
    at = lambda q, row: (lambda i: {"q": q, "t": row, "i": i})  # noqa: E731
    return {"x": at("x", t - 1), "h_prev": at("h", t - 1), "Wh_h": at("wh", t - 1), "Wx_x": at("wx", t - 1),
            "b": lambda i: {"q": "b", "i": i}, "pre": at("pre", t - 1), "h": at("h", t), "y": at("y", t - 1),
            "b_y": lambda i: {"q": "b_y", "i": i}}


def derivation(terms: dict, t: int, activation: str, decimals: int = 4, W_h=None, W_x=None,
               W_y=None, b_y=None, printer: Printer | None = None) -> list[str]:
    """The lines of step t, like the lesson's worked example, from ``analysis.step_terms``.  With a
    TemplatePrinter: the same lines with a placeholder per number (``derivation_template``)."""
    printer = printer or Printer(decimals)
    refs = _refs(t)

    def v(key, color=None, values=None):
        return vec(terms[key] if values is None else values, decimals, color, printer, refs[key])

    f = r"\tanh" if activation == "tanh" else r"\operatorname{relu}"
    a_t, h_t, h_prev, x_t = sym("a", "t"), sym("h", "t"), sym("h", "t-1"), sym("x", "t")
    update = rf"{a_t} = W_h\,{h_prev} + W_x\,{x_t} + b, \qquad {h_t} = {f}({a_t})"
    if terms["y"] is not None:  # the output on a line of its own: the three equations do not fit one column
        update = rf"\begin{{gathered}}{update}, \\ {sym('y', 't')} = W_y\,{h_t} + b_y\end{{gathered}}"
    lines = [
        update,
        rf"\text{{step }} t = {t}:\quad {sym('x', str(t))} = {v('x', COLORS['x'])},\quad "
        rf"{sym('h', str(t - 1))} = {v('h_prev', COLORS['h'])}",
    ]
    if W_h is not None:  # the dot products written out, one line per matrix, as the lesson does
        for W, key, symbol, name, v_ref in ((W_h, "Wh_h", sym("h", str(t - 1)), "W_h", refs["h_prev"]),
                                            (W_x, "Wx_x", sym("x", str(t)), "W_x", refs["x"])):
            products = _products(W, terms["h_prev" if key == "Wh_h" else "x"], printer, name, v_ref)
            if products is not None:
                lines.append(rf"{name}\,{symbol} = {products} = {v(key)}")
    lines.append(rf"{sym('a', str(t))} = {v('Wh_h')} + {v('Wx_x')} + {v('b')} = {v('pre', COLORS['pre'])}")
    lines.append(rf"{sym('h', str(t))} = {f}\!\left({v('pre', COLORS['pre'])}\right) = {v('h', COLORS['h'])}")
    if terms["y"] is not None:
        # Three short lines, not one of ~1,200 px that a column clips before y_t itself
        lines.append(rf"\begin{{aligned}}{sym('y', str(t))} &= W_y\,{sym('h', str(t))} + b_y \\"
                     rf" &= {mat(W_y, decimals, printer, 'W_y')}{v('h', COLORS['h'])} + {v('b_y', values=b_y)} \\"
                     rf" &= {v('y', COLORS['y'])}\end{{aligned}}")
    return lines


def derivation_template(terms: dict, t: int, activation: str, decimals: int = 4, **params) -> tuple[list[str], list]:
    """``derivation``'s lines with ``@k@`` for number k, and the slots: where each comes from and how it is
    printed ({"q", "t"?, "i", "j"?, "style"}; q: x, h, pre, y, wh, wx of the forward pass, or a parameter)."""
    printer = TemplatePrinter(decimals)
    return derivation(terms, t, activation, decimals, printer=printer, **params), printer.slots
