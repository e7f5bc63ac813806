// One Plotly figure that stays mounted: each new figure is applied with Plotly.react (rnnviz/ui/live_training.py,
// live_figure).  st.plotly_chart re-creates its chart whenever the figure changes (the figure is part of the
// element's identity), which blanks it while a slider moves; this keeps the drawn chart until the new one is in.

const STATES = new WeakMap();
const CSS = `/* Streamlit fades an element while a rerun is on its way; a live view keeps showing the truth (it applies
   each frame itself), so it is never faded. */
[data-testid="stElementContainer"]:has(.rv-figure) { opacity: 1 !important; transition: none !important; }`;
const CONFIG = { displaylogo: false, responsive: true };

export default function (component, loadPlotly) {
  const { data, parentElement } = component;
  if (!document.getElementById("rv-figure-style")) {
    const style = document.createElement("style");
    style.id = "rv-figure-style";
    style.textContent = CSS;
    document.head.appendChild(style);
  }
  let div = parentElement.querySelector(".rv-figure");
  if (!div) {
    div = document.createElement("div");
    div.className = "rv-figure";
    parentElement.appendChild(div);
  }
  const text = data instanceof Uint8Array || data instanceof ArrayBuffer ? new TextDecoder().decode(data) : null;
  const fig = text ? JSON.parse(text) : data;
  if (!fig) return;
  let st = STATES.get(div);
  if (!st) {
    st = { latest: null, drawn: false, busy: false, creates: 0, reacts: 0 };
    STATES.set(div, st);
  }
  st.latest = fig;
  const draw = (Plotly) => {
    if (st.busy || !st.latest) return;
    const next = st.latest;
    st.latest = null;
    st.busy = true;
    const done = st.drawn ? Plotly.react(div, next.data, next.layout, CONFIG)
                          : Plotly.newPlot(div, next.data, next.layout, CONFIG);
    if (st.drawn) st.reacts += 1; else st.creates += 1;
    st.drawn = true;
    div.dataset.creates = String(st.creates);
    div.dataset.reacts = String(st.reacts);
    Promise.resolve(done).finally(() => { st.busy = false; if (st.latest) requestAnimationFrame(() => draw(Plotly)); });
  };
  loadPlotly().then((Plotly) => requestAnimationFrame(() => draw(Plotly)));
  return () => setTimeout(() => {
    if (!div.isConnected && window.Plotly) window.Plotly.purge(div);
  }, 0);
}
