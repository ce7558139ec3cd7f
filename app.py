"""Interview Practice Partner: the router. Pages do their own set-up (see ui_shell.py)."""

from __future__ import annotations

import streamlit as st

from interview import semantic

semantic.warm_up()  # once per process: the embedding model loads in the background while the first page draws
st.set_page_config(page_title="Interview Practice Partner", page_icon="🎤", layout="centered")

pages = [
    st.Page("pages/interview.py", title="Interview", icon="💬", default=True, url_path="interview"),
    st.Page("pages/report.py", title="Report", icon="📊", url_path="report"),
    st.Page("pages/settings.py", title="Settings", icon="⚙️", url_path="settings"),
    st.Page("pages/how_it_works.py", title="How it works", icon="ℹ️", url_path="how-it-works"),
]
st.navigation(pages).run()
