"""rnnviz: a visual simulator of vanilla RNNs.  Entry point: `streamlit run app.py`."""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent

# (file, title, icon); pages appear in this order, the first is the landing page.
PAGES = [
    ("pages/cell.py", "Cell step-through", ":material/calculate:"),
    ("pages/chain.py", "Unrolled chain", ":material/linear_scale:"),
    ("pages/heatmaps.py", "Sequence & heatmaps", ":material/grid_on:"),
    ("pages/phase.py", "Phase portrait & ripple", ":material/timeline:"),
    ("pages/training.py", "Training (BPTT)", ":material/model_training:"),
    ("pages/lab.py", "Vanishing / exploding lab", ":material/science:"),
    ("pages/sharing.py", "Weight sharing", ":material/share:"),
    ("pages/pytorch.py", "PyTorch bridge", ":material/code:"),
    ("pages/quiz.py", "Lesson check", ":material/quiz:"),
]

pages = [
    st.Page(path, title=title, icon=icon, default=(i == 0))
    for i, (path, title, icon) in enumerate((p for p in PAGES if (HERE / p[0]).exists()))
]
# Each page draws the shared network sidebar itself (rnnviz.widgets.network_sidebar), so every
# file in pages/ also runs on its own, as AppTest and Streamlit's page reruns execute it.
st.navigation(pages).run()
