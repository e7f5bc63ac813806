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
    # The landing page is served at "/"; its own name gets a hidden alias below.
    st.Page(path, title=title, icon=icon, default=(i == 0), url_path="home" if i == 0 else None)
    for i, (path, title, icon) in enumerate((p for p in PAGES if (HERE / p[0]).exists()))
]


def _landing_alias() -> None:
    """/cell (the landing page's file name) opens the landing page at "/", keeping the link's state."""
    st.switch_page(pages[0], query_params=st.query_params.to_dict())


alias = Path(PAGES[0][0]).stem
pages.append(st.Page(_landing_alias, title=PAGES[0][1], url_path=alias, visibility="hidden"))
# Each page draws the shared network sidebar itself (rnnviz.ui.page.page), so every
# file in pages/ also runs on its own, as AppTest and Streamlit's page reruns execute it.
st.navigation(pages).run()
