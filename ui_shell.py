"""What every page shares: the service (one per server) and the sidebar.

Pages call ``page_setup()`` themselves rather than relying on ``app.py`` having run first:
Streamlit runs a file in ``pages/`` directly in some cases (AppTest, and a fresh server's very
first request to a page URL), and the page must work then too.
"""

from __future__ import annotations

import streamlit as st

from interview import ConfigError, InterviewError, InterviewService, JsonFileStore, Settings, StoreError, get_engine

SIDEBAR_ACTIONS = {  # button label -> what the candidate "says"; the intent detector routes it
    "Hint": "Could I have a hint, please?",
    "Skip": "Skip this question, please.",
    "End": "Let's end the interview here.",
}


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets.toml is the normal case on a laptop
        return {}


@st.cache_resource(show_spinner=False)
def _service(engine: str, data_dir: str, max_chars: int) -> InterviewService:
    """One service per server: the engine and store are stateless; sessions live in session_state."""
    return InterviewService(get_engine(engine), JsonFileStore(data_dir), max_message_chars=max_chars)


def get_service() -> InterviewService:
    """Return the shared service, reading settings once per session; stop the page on a bad setting."""
    if "app_service" not in st.session_state:
        try:
            settings = Settings.from_sources(secrets=_secrets())
            st.session_state["app_service"] = _service(settings.engine, str(settings.data_dir), settings.max_message_chars)
        except (ConfigError, InterviewError) as exc:
            st.error(str(exc))
            st.stop()
        st.session_state.setdefault("app_default_questions", settings.default_questions)
    return st.session_state["app_service"]


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


def _act(service: InterviewService, message: str) -> None:
    """Button callback: runs before the rerun, so the page and the sidebar both show its result."""
    state = st.session_state.get("iv_state")
    if state is None or state.status == "finished":
        return
    try:
        st.session_state["iv_state"] = service.submit(state, message).state
    except InterviewError as exc:
        st.session_state["iv_notice"] = str(exc)


def sidebar(service: InterviewService) -> None:
    """Show the engine, progress, difficulty and the hint / skip / end buttons."""
    state = st.session_state.get("iv_state")
    with st.sidebar:
        st.caption(f"Engine: **{service.engine.name}** (runs offline, no key needed)")
        if state is None:
            st.caption("No interview in progress.")
            return
        if state.status == "finished":
            st.caption(f"Interview finished: {len(state.asked)} of {state.planned} questions asked.")
            return
        st.markdown(f"**Question {len(state.asked)} of {state.planned}**")
        st.progress(min(1.0, (len(state.asked) - 1) / max(1, state.planned)))
        st.markdown(f"Difficulty: **{state.difficulty} / 5** " + "●" * state.difficulty + "○" * (5 - state.difficulty))
        for col, (label, message) in zip(st.columns(3), SIDEBAR_ACTIONS.items(), strict=True):
            col.button(label, key=f"sb_{label.lower()}", width="stretch", on_click=_act, args=(service, message))
