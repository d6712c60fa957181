"""Streamlit helpers shared by the lab pages (the engine itself lives in cvcore)."""
