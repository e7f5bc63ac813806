"""Shared pytest setup."""

from streamlit import config as _st_config

# .streamlit/config.toml hides error details from the public (showErrorDetails = "type"); AppTest
# reads it too, so tests ask for the full message to make failures readable.
_st_config.set_option("client.showErrorDetails", "full")
