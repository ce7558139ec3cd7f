"""The interview this browser tab shows (``st.session_state["iv_state"]``): kept in the URL, restored after a refresh,
and reloaded when another tab (or server process) saved it first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from interview import InterviewService, StoreError
from interview.errors import SessionConflict

CHANGED_ELSEWHERE = "This interview was changed in another tab: reloaded"
NOTICE = "app_notice"  # a warning for the next run, whichever page it shows; app.py shows it above the page


def restore_session(service: InterviewService) -> None:
    """Keep the session id in the URL, and reload the session from it after a refresh."""
    state = st.session_state.get("iv_state")
    wanted = st.query_params.get("session")
    if state is None and wanted:
        try:
            st.session_state["iv_state"] = state = service.resume(wanted)
        except StoreError as exc:
            st.warning(f"{exc} Your earlier session could not be restored.")
            del st.query_params["session"]
            return
    if state is not None and wanted != state.id:
        st.query_params["session"] = state.id


def reload_session(service: InterviewService) -> None:
    """Replace this tab's copy of the interview with the stored one, and leave the reason for the next run to show."""
    st.session_state.pop("iv_inflight", None)  # a message in flight was sent on the stale copy: it is not resent
    state = st.session_state.get("iv_state")
    st.session_state[NOTICE] = CHANGED_ELSEWHERE
    if state is None:
        return
    try:
        st.session_state["iv_state"] = service.resume(state.id)
    except StoreError as exc:
        st.session_state.pop("iv_state", None)
        st.session_state[NOTICE] = f"{exc} This interview was changed elsewhere and could not be reloaded."


@contextmanager
def reload_on_conflict(service: InterviewService, *, rerun: bool = True) -> Iterator[None]:
    """Around service calls that save the interview: when another tab saved it first, reload it, say so, and rerun.

    ``rerun=False`` in a widget callback, where Streamlit reruns by itself (st.rerun there does nothing).
    """
    try:
        yield
    except SessionConflict:
        reload_session(service)
        if rerun:
            st.rerun()


def show_notice() -> None:
    """Show the warning a previous run left (a conflict's reload), once."""
    if notice := st.session_state.pop(NOTICE, None):
        st.warning(notice, icon="🔄")
