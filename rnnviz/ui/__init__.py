"""The Streamlit layer of rnnviz: the only package in rnnviz/ that imports streamlit.

- ``session``: every session-state key (``Keys``), state <-> session <-> URL, the one share-URL builder.
- ``page``: ``page(title, caption, sidebar=True)``, the top of every page; ``simulator_page`` for the four
  simulator pages; ``simulate``, ``stacked``, ``numbers``.
- ``simulator_controls``: the main-area controls the simulator pages share (step picker, rounding toggle, layers).
- ``sidebar``: the network sidebar.
- ``training_controls``: the training page's settings form, run controls and layer picker.
- ``compat``: every touch of Streamlit internals, with the version it was checked on.
- ``messages``: warn/error/info/success/caption: every message that can carry user text (plain text unless
  ``rnnviz.text.Markdown``).
"""
