"""Interview Practice Partner: the frame every page runs in.

Each run reads the settings, gets the service, restores the session from the URL, runs the page the visitor is on
(the files in app_pages/ only render and call the service), then draws the sidebar for the state the page left.
"""

from __future__ import annotations

import logging

import streamlit as st

from interview import semantic
from interview.hosting import secrets_warnings, setup_notes
from ui.session import restore_session, show_notice
from ui.shell import get_service, get_settings, sidebar

semantic.warm_up()  # once per process: the embedding model loads in the background while the first page draws
st.set_page_config(page_title="Interview Practice Partner", page_icon="🎤", layout="centered")

INTERVIEW = st.Page("app_pages/interview.py", title="Interview", icon="💬", default=True, url_path="interview")
PAGES = [
    INTERVIEW,
    st.Page("app_pages/report.py", title="Report", icon="📊", url_path="report"),
    st.Page("app_pages/settings.py", title="Settings", icon="⚙️", url_path="settings"),
    st.Page("app_pages/how_it_works.py", title="How it works", icon="ℹ️", url_path="how-it-works"),
]


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

page = st.navigation(PAGES)
get_settings()  # read once per browser session: a wrong setting stops every page here, with the reason
restore_session(get_service())
show_notice()  # e.g. "changed in another tab: reloaded", left by the run before
page.run()
# Last, so it shows the state the page produced; the service again, as the Settings page may have changed the engine.
sidebar(get_service(), queue=page.url_path == INTERVIEW.url_path)  # the interview page streams what a button sends
