"""The app's one place for global CSS and page-wide browser behaviour, drawn by ``page()`` on every page.

Streamlit's own theme (.streamlit/config.toml) sets the colours; this module fixes what the theme cannot:
text contrast (WCAG AA 4.5:1), touch targets of at least 24 px, a phone layout (390 px) whose controls do
not cover the page, equations that shrink to fit or scroll in a focusable region instead of being clipped,
and the "Projector" look (large fonts, high contrast) a class can read from the back of the room.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.ui import session

PROJECTOR = "rnnviz_projector"  # the look, kept across pages (a widget's own key is dropped when not drawn)
PROJECTOR_TOGGLE = "rnnviz_projector_toggle"
PHONE_MAX_PX = 640  # Streamlit stacks columns below this width

# Palette colours that are too light for text (< 4.5:1 on white) and the darker shade used for text only.
# Keys are the palette's hex colours as the browser writes them back in KaTeX's inline styles.
TEXT_SHADES = {
    "rgb(217, 119, 6)": "#b45309",   # a_t, amber 600 (3.18:1) -> amber 700 (5.0:1)
    "rgb(5, 150, 105)": "#047857",   # y_t, emerald 600 (3.77:1) -> emerald 700 (5.5:1)
    "rgb(156, 163, 175)": "#4b5563",  # target gray 400 (2.5:1) -> gray 600 (7.6:1)
    "rgb(100, 116, 139)": "#475569",  # x_t, slate 500 (4.76:1) -> slate 600 (7.6:1): it sits on grey too
}
# The same colours on the projector's dark background: lighter shades instead.
DARK_TEXT_SHADES = {
    "rgb(217, 119, 6)": "#fbbf24", "rgb(5, 150, 105)": "#34d399", "rgb(156, 163, 175)": "#d1d5db",
    "rgb(100, 116, 139)": "#cbd5e1", "rgb(37, 99, 235)": "#93c5fd", "rgb(192, 38, 211)": "#f0abfc",
}

BASE_CSS = """
/* The CSV uploader's own limit is 200 kB (its label says so); Streamlit's drop zone can only print whole MB. */
.st-key-rnnviz_upload [data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
/* Captions: Streamlit fades them (3.97:1 on the sidebar); slate 600 at full opacity is 7:1. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #475569; opacity: 1; }
/* Syntax colours of code blocks (PyTorch page) at >= 4.5:1 on the code background. */
[data-testid="stCode"] .token.comment, [data-testid="stCode"] .token.prolog { color: #4b5563 !important; }
[data-testid="stCode"] .token.string, [data-testid="stCode"] .token.char { color: #166534 !important; }
[data-testid="stCode"] .token.number, [data-testid="stCode"] .token.boolean { color: #9a3412 !important; }
[data-testid="stCode"] .token.keyword, [data-testid="stCode"] .token.builtin { color: #6b21a8 !important; }
[data-testid="stCode"] .token.function, [data-testid="stCode"] .token.class-name { color: #1d4ed8 !important; }
[data-testid="stCode"] .token.operator, [data-testid="stCode"] .token.punctuation { color: #334155 !important; }
[data-testid="stCode"] .token.decorator, [data-testid="stCode"] .token.attr-name { color: #7c2d12 !important; }
/* Section headings are h2 (h1 -> h2 -> h3 for screen readers), drawn at the size of a subheader. */
[data-testid="stMain"] h2 { font-size: 1.45rem; }
/* Touch targets >= 24 px: slider thumbs (12 px by default), the sidebar's open / close buttons. */
[data-testid="stSlider"] div[style*="translate(-50%, -50%)"] { width: 24px; height: 24px; }
[data-testid="stSlider"] [role="group"] > div[data-rac] { min-height: 24px; }
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"] button {
  min-width: 44px; min-height: 44px; }
/* The components that are JavaScript only (the behaviour, plotly.js's loader, the drag bridge) take no room:
   not even the block's gap, which pushed the first chart of a column 16 px below its neighbour. */
.st-key-rnnviz_theme, .stElementContainer:has(.st-key-rnnviz_theme),
.st-key-rnnviz_plotly_js, .st-key-rnnviz_drag_bridge { display: none !important; }
/* Equations: the script below shrinks a wide one to fit; one still too wide scrolls and takes focus. */
.katex-display { overflow-x: auto; overflow-y: hidden; padding: 2px 0; }
.katex-display:focus-visible { outline: 2px solid #2563eb; outline-offset: 2px; }
/* The step picker's buttons keep their width (no full-width bars on a phone). */
.st-key-rnnviz_step_buttons button { min-height: 2.5rem; }
@media (max-width: PHONEpx) {
  /* The sidebar's open button says what it opens. */
  [data-testid="stExpandSidebarButton"] { width: auto; padding: 0 0.75rem; border: 1px solid #cbd5e1;
    border-radius: 0.5rem; gap: 0.25rem; }
  [data-testid="stExpandSidebarButton"]::after { content: "Network controls"; font-size: 0.95rem;
    color: #1e293b; white-space: nowrap; }
  /* An open sidebar is a bottom sheet: the upper half of the page stays visible while a slider moves. */
  [data-testid="stSidebar"][data-collapsed="false"] { position: fixed !important; top: auto !important;
    bottom: 0 !important; left: 0 !important; height: 55vh !important; width: 100vw !important;
    min-width: 100vw !important; max-width: 100vw !important; transform: none !important;
    border-top: 2px solid #94a3b8; box-shadow: 0 -6px 16px rgba(15, 23, 42, 0.25); }
  [data-testid="stSidebar"][data-collapsed="false"] [data-testid="stSidebarContent"] { height: 100%; }
  /* Previous / Next show their icon only; the words stay as their accessible names. */
  .st-key-rnnviz_prev button [data-testid="stMarkdownContainer"],
  .st-key-rnnviz_next button [data-testid="stMarkdownContainer"] { position: absolute; width: 1px; height: 1px;
    overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .st-key-rnnviz_prev button, .st-key-rnnviz_next button { min-width: 2.75rem; }
  [data-testid="stMain"] h1 { font-size: 2rem; }
  /* A row of read-outs (st.metric) stays two to a line instead of one per screen-height. */
  .stHorizontalBlock:has(> .stColumn > .stVerticalBlock > .stElementContainer > [data-testid="stMetric"]) {
    flex-wrap: wrap; }
  .stHorizontalBlock:has(> .stColumn > .stVerticalBlock > .stElementContainer > [data-testid="stMetric"]) > .stColumn {
    flex: 1 1 40% !important; min-width: 40% !important; width: auto !important; }
  [data-testid="stMetricValue"] { font-size: 1.75rem; }
  /* Training's play / pause / step / reset: one row of four, the two pace sliders below it. */
  [data-testid="stHorizontalBlock"]:has(.st-key-tr_play) { flex-wrap: wrap; }
  [data-testid="stHorizontalBlock"]:has(.st-key-tr_play) > [data-testid="stColumn"]:nth-child(-n+4) {
    flex: 1 1 0 !important; min-width: 0 !important; width: auto !important; }
  [data-testid="stHorizontalBlock"]:has(.st-key-tr_play) > [data-testid="stColumn"]:nth-child(n+5) {
    flex: 1 1 100% !important; }
  /* ...and each label whole ("Pause", "Reset"): the words say it, the icons give way. */
  [data-testid="stHorizontalBlock"]:has(.st-key-tr_play) { column-gap: 0.5rem; }
  [data-testid="stHorizontalBlock"]:has(.st-key-tr_play) button { padding-left: 0.25rem; padding-right: 0.25rem; }
  [data-testid="stHorizontalBlock"]:has(.st-key-tr_play) button span:has(> [data-testid="stIconMaterial"]) {
    display: none; }
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; padding-left: 0.75rem; padding-right: 0.75rem; }
}
""".replace("PHONE", str(PHONE_MAX_PX))

PROJECTOR_CSS = """
/* Projector: large type, white on near-black, thick focus rings. */
html { font-size: 20px; }
.stApp, [data-testid="stMain"], [data-testid="stHeader"] { background: #0b1120 !important; color: #f8fafc; }
[data-testid="stSidebar"], [data-testid="stSidebarContent"] { background: #111827 !important; }
.stApp p, .stApp li, .stApp label, .stApp h1, .stApp h2, .stApp h3, .stApp summary, .stApp span.katex,
[data-testid="stWidgetLabel"] p, [data-testid="stMarkdownContainer"] { color: #f8fafc; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #e2e8f0 !important; }
[data-testid="stExpander"] details, [data-testid="stExpander"] summary { background: #111827; color: #f8fafc; }
[data-testid="stSliderThumbValue"] p, [data-testid="stTickBarMin"], [data-testid="stTickBarMax"] { color: #f8fafc; }
.stApp button[kind="secondary"] { background: #1e293b; color: #f8fafc; border-color: #94a3b8; }
[data-testid="stExpandSidebarButton"]::after { color: #f8fafc !important; }
/* Charts keep their white paper (the palette is chosen for it), framed so they read as panels. */
[data-testid="stPlotlyChart"] { background: #ffffff; border-radius: 0.5rem; padding: 0.25rem; }
*:focus-visible { outline: 3px solid #fbbf24 !important; outline-offset: 2px; }
"""

# Page-wide behaviour no Streamlit option gives: equations fit or become focusable scroll regions, and on a
# phone the sidebar closes after a page is chosen in it.  Idempotent: installs its observers once per tab.
BEHAVIOUR_JS = """
export default function () {
  if (window.__rnnvizTheme) { window.__rnnvizTheme(); return; }
  const MIN_SCALE = 0.7;
  // Reads and writes in separate passes: one layout for every equation and code block, not two per element (a
  // forced layout of the whole page each, on every rerun; a CPU profile of a slider step found 37 ms here).
  function fitEquations() {
    const boxes = [...document.querySelectorAll('[data-testid="stMain"] .katex-display')]
      .map((box) => [box, box.querySelector(':scope > .katex')]).filter(([, tex]) => tex);
    boxes.forEach(([, tex]) => { tex.style.fontSize = ''; });
    const sizes = boxes.map(([box]) => [box.clientWidth, box.scrollWidth]);
    boxes.forEach(([, tex], i) => {
      const [width, needed] = sizes[i];
      if (width > 0 && needed > width + 1) {
        tex.style.fontSize = Math.max(MIN_SCALE, Math.floor((width / needed) * 100) / 100) + 'em';
      }
    });
    const regions = boxes.map(([box]) => [box, 'Equation, scroll sideways to read all of it']);
    // A code block scrolls in its <pre>, or (st.code with a height, e.g. a link box) in the <pre>'s wrapper.
    document.querySelectorAll('[data-testid="stCode"] pre').forEach((pre) => {
      const wrapper = pre.parentElement;
      const scrolls = wrapper && /auto|scroll/.test(getComputedStyle(wrapper).overflow) &&
        wrapper.scrollWidth > wrapper.clientWidth + 1;
      regions.push([scrolls ? wrapper : pre, 'Code, scroll sideways to read all of it']);
    });
    const scrolling = regions.map(([box]) => box.scrollWidth > box.clientWidth + 1);
    regions.forEach(([box, name], i) => focusableIfScrolling(box, name, scrolling[i]));
  }
  // A region that scrolls must be reachable by keyboard (WCAG 2.1.1): focusable, named, a landmark.
  function focusableIfScrolling(box, name, scrolls) {
    if (scrolls) {
      box.setAttribute('tabindex', '0');
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', name);
    } else if (box.getAttribute('role') === 'region') {
      box.removeAttribute('tabindex'); box.removeAttribute('role'); box.removeAttribute('aria-label');
    }
  }
  // Once the page is idle: a rerun changes the DOM in many frames in a row, and fitting after each would
  // lay the page out again each time while it is still arriving.
  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    const run = () => { pending = false; fitEquations(); };
    if (window.requestIdleCallback) requestIdleCallback(run, {timeout: 400});
    else requestAnimationFrame(run);
  }
  // Charts and live views redraw many times a second (a drag's previews), and a dragged slider's thumb and value
  // change on every mouse move: their own mutations never move an equation (none holds one).  Fitting after
  // each cost ~2 ms a move, and ~18 ms a preview frame of the cell page at n = 16.  A target no longer in the
  // page (a group Plotly replaced during the same redraw) cannot move anything either.
  const moving = (node) => !node.isConnected || (node.nodeType === 1 &&
    node.closest('.js-plotly-plot, .rnnviz-live-view, .rv-live, .rv-chain, svg, [data-testid="stSlider"]'));
  new MutationObserver((records) => {
    if (records.some((r) => !moving(r.target))) schedule();
  }).observe(document.body, {childList: true, subtree: true});
  window.addEventListener('resize', schedule);
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('[data-testid="stSidebarNavLink"]');
    if (!link || window.innerWidth > PHONE) return;
    const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (close) setTimeout(() => close.click(), 0);
  }, true);
  window.__rnnvizTheme = schedule;
  schedule();
}
""".replace("PHONE", str(PHONE_MAX_PX))

_behaviour = st.components.v2.component("rnnviz_theme", html="<span hidden></span>", js=BEHAVIOUR_JS,
                                        isolate_styles=False)


def projector_on() -> bool:
    """Whether the projector look is on (page code may hand it to figure builders for larger fonts)."""
    return bool(session.get(PROJECTOR, False))


def _text_shades_css(shades: dict[str, str], scope: str = "") -> str:
    return "\n".join(f'{scope}.katex [style*="{rgb}"] {{ color: {shade} !important; }}'
                     for rgb, shade in shades.items())


def stylesheet(projector: bool) -> str:
    """The whole <style> block for the page: the base rules, plus the projector's when it is on."""
    css = BASE_CSS + _text_shades_css(TEXT_SHADES)
    if projector:
        css += PROJECTOR_CSS + _text_shades_css(DARK_TEXT_SHADES)
    return f"<style>{css}</style>"


def _on_projector() -> None:
    session.put(PROJECTOR, bool(session.get(PROJECTOR_TOGGLE, False)))


def projector_toggle() -> None:
    """The "Projector" switch, at the foot of the sidebar."""
    session.put(PROJECTOR_TOGGLE, projector_on())
    st.sidebar.toggle("Projector look (large, high contrast)", key=PROJECTOR_TOGGLE, on_change=_on_projector,
                      help="White on black and larger type for a projected screen; charts stay on white.")


def apply_theme() -> None:
    """Inject the stylesheet and the behaviour script; call once per run, before anything else is drawn."""
    st.html(stylesheet(projector_on()))
    _behaviour(key="rnnviz_theme")
