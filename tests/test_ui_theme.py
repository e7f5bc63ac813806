"""The global stylesheet (rnnviz.ui.theme): text shades, the projector look and its toggle across pages."""

from __future__ import annotations

from apptest_utils import no_exception, open_app

from rnnviz.figures import COLORS
from rnnviz.ui import theme


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_palette_colour_used_as_text_reads_at_4_5_to_1_on_white():
    for name in ("x", "pre", "h", "y", "target", "grad"):
        colour = COLORS[name]
        shown = theme.TEXT_SHADES.get(_rgb(colour), colour)
        assert contrast(shown, "#ffffff") >= 4.5, (name, colour, shown)


def test_dark_shades_read_on_the_projector_background():
    for shade in theme.DARK_TEXT_SHADES.values():
        assert contrast(shade, "#0b1120") >= 7, shade


def test_stylesheet_has_the_projector_rules_only_when_on():
    plain, projector = theme.stylesheet(False), theme.stylesheet(True)
    assert plain.startswith("<style>") and plain.endswith("</style>")
    assert "#0b1120" not in plain and "#0b1120" in projector
    assert "rgb(217, 119, 6)" in plain  # a_t's amber gets its darker text shade


def test_projector_toggle_survives_a_page_switch():
    at = open_app()
    toggle = at.toggle(key=theme.PROJECTOR_TOGGLE)
    assert toggle.value is False
    toggle.set_value(True).run()
    assert at.session_state[theme.PROJECTOR] is True
    at.switch_page("pages/heatmaps.py").run()
    no_exception(at)
    assert at.toggle(key=theme.PROJECTOR_TOGGLE).value is True
