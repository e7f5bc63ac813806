// Makes Streamlit's own sliders live: while a native st.slider listed in data.targets (by its label)
// moves, its hidden range input's value attribute follows the thumb (Streamlit 1.67, react-aria) before
// any rerun; each change is re-announced as the "rnnviz:drag" event the live views listen to.
// The slider itself is untouched: its key, keyboard use and on_change -> SimState -> URL flow stay Streamlit's.
export default function (component) {
  const { data } = component;
  let bridge = window.__rnnvizBridge;
  if (!bridge) {
    bridge = { targets: {}, last: new Map() };
    bridge.observer = new MutationObserver((mutations) => {
      for (const m of mutations) {
        const input = m.target;
        if (input.tagName !== "INPUT" || input.type !== "range") continue;
        const target = bridge.targets[input.getAttribute("aria-label")];
        if (!target) continue;
        const value = Number(input.value);
        const key = input.getAttribute("aria-label");
        if (bridge.last.get(key) === value) continue;
        bridge.last.set(key, value);
        const widget = input.closest("[data-testid='stSlider']");
        const thumb = widget && widget.querySelector("[data-dragging]");
        const final = !(thumb && thumb.getAttribute("data-dragging") === "true");
        window.dispatchEvent(new CustomEvent("rnnviz:drag", { detail: { target, value, final, native: true } }));
      }
    });
    bridge.observer.observe(document.body, { attributes: true, attributeFilter: ["value"], subtree: true });
    window.__rnnvizBridge = bridge;
  }
  bridge.targets = data.targets || {};
  bridge.last = new Map(Object.entries(data.values || {}));
}
