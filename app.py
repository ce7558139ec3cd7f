"""Interview Practice Partner: the router. Pages do their own set-up (see ui_shell.py)."""

from __future__ import annotations

import logging

import streamlit as st

from interview import semantic
from interview.hosting import secrets_warnings, setup_notes

semantic.warm_up()  # once per process: the embedding model loads in the background while the first page draws
st.set_page_config(page_title="Interview Practice Partner", page_icon="🎤", layout="centered")


@st.cache_resource(show_spinner=False)
def setup_warnings(secrets_files: tuple[str, ...]) -> tuple[str, ...]:
    """Check the server's set-up once per process, and log what is wrong for the operator."""
    warnings = tuple(secrets_warnings(secrets_files))
    for warning in warnings:
        logging.getLogger("interview").warning(warning)
    return warnings


# The operator, on this machine, is told which file and the fix; visitors from elsewhere only that the log says more.
for note in setup_notes(setup_warnings(tuple(map(str, st.get_option("secrets.files")))), st.context.ip_address):
    st.sidebar.warning(note, icon="🔒")

pages = [
    st.Page("pages/interview.py", title="Interview", icon="💬", default=True, url_path="interview"),
    st.Page("pages/report.py", title="Report", icon="📊", url_path="report"),
    st.Page("pages/settings.py", title="Settings", icon="⚙️", url_path="settings"),
    st.Page("pages/how_it_works.py", title="How it works", icon="ℹ️", url_path="how-it-works"),
]
st.navigation(pages).run()
