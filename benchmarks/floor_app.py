"""bench_browser_latency's second reference: a simulator page with everything but its views.

The same sidebar, step picker, share box and partial reruns as every simulator page, and an empty views part:
what a weight-slider key press costs in rnnviz before any view is drawn (Streamlit's rerun of a page this size).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rnnviz.ui.page import simulator_page  # noqa: E402

simulator_page("Benchmark floor: no views", None, views=lambda state, trace, t, decimals: None)
