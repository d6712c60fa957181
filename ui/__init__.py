"""Streamlit helpers shared by the lab pages (the engine itself lives in cvcore)."""

from cvcore.device import configure_threads

configure_threads()  # once per server process, before any lab computes
