// A slider for one number of the network (a weight, bias, input or h_0 entry).
// While it moves (mouse, finger, held arrow keys) it announces every value on window as a
// "rnnviz:drag" CustomEvent {target, value, final: false}; the live views on the page recompute from
// it.  On release (pointer up, touch end, key up) it sends the value to Python (setStateValue "value"),
// which puts it into SimState, the URL and every page; then the event {final: true}.
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let ui = parentElement.__rnnvizSlider;
  if (!ui) {
    ui = buildSlider(parentElement, setStateValue);
    parentElement.__rnnvizSlider = ui;
  }
  ui.setStateValue = setStateValue;
  ui.data = data;
  const input = ui.input;
  input.min = String(data.min);
  input.max = String(data.max);
  input.step = String(data.step);
  input.disabled = !!data.disabled;
  ui.label.textContent = data.label;
  input.setAttribute("aria-label", data.label);
  if (data.help) ui.root.title = data.help;
  if (!ui.moving) {
    // Python's value wins unless the user is moving the thumb right now.
    input.value = String(data.value);
    ui.committed = Number(data.value);
    ui.show(Number(data.value));
  }
}

function buildSlider(parent, setStateValue) {
  const root = document.createElement("div");
  root.className = "rnnviz-live-slider";
  root.innerHTML =
    '<div class="rls-head"><span class="rls-label"></span><span class="rls-value" data-testid="rnnvizSliderValue"></span></div>' +
    '<input type="range" class="rls-input" data-testid="rnnvizLiveSlider">' +
    '<div class="rls-ends"><span class="rls-min"></span><span class="rls-max"></span></div>';
  parent.appendChild(root);
  const ui = {
    root,
    input: root.querySelector("input"),
    label: root.querySelector(".rls-label"),
    valueText: root.querySelector(".rls-value"),
    moving: false,
    keyHeld: false,
    pointerDown: false,
    committed: null,
    setStateValue,
  };
  const decimals = () => (ui.data && ui.data.decimals != null ? ui.data.decimals : 2);
  ui.show = (v) => {
    ui.valueText.textContent = v.toFixed(decimals());
    root.querySelector(".rls-min").textContent = String(ui.data ? ui.data.min : "");
    root.querySelector(".rls-max").textContent = String(ui.data ? ui.data.max : "");
  };
  const current = () => Number(Number(ui.input.value).toFixed(decimals() + 2));
  const announce = (value, final) => {
    window.dispatchEvent(new CustomEvent("rnnviz:drag", { detail: { target: ui.data.target, value, final } }));
  };
  const commit = () => {
    const v = current();
    ui.moving = false;
    ui.pointerDown = false;
    announce(v, true);
    if (v !== ui.committed) {
      ui.committed = v;
      ui.setStateValue("value", v);
    }
  };
  ui.input.addEventListener("input", () => {
    const v = current();
    ui.moving = true;
    ui.show(v);
    announce(v, false);
  });
  ui.input.addEventListener("pointerdown", () => { ui.pointerDown = true; });
  ui.input.addEventListener("keydown", (e) => {
    if (e.key.startsWith("Arrow") || ["Home", "End", "PageUp", "PageDown"].includes(e.key)) ui.keyHeld = true;
  });
  ui.input.addEventListener("keyup", () => {
    if (ui.keyHeld) {
      ui.keyHeld = false;
      if (ui.moving) commit();
    }
  });
  // Mouse and touch release fire "change"; a held key fires it on every repeat, so keys commit on keyup.
  ui.input.addEventListener("change", () => { if (!ui.keyHeld) commit(); });
  ui.input.addEventListener("blur", () => { if (ui.moving) commit(); });
  return ui;
}
