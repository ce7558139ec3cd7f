"""What every page shares: the settings, the service (one per server and engine choice), speech, and the sidebar.

``app.py`` reads the settings and draws the sidebar; pages call the getters here, which return the objects made once
(per browser session, or per server through ``st.cache_resource``).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import streamlit as st

from interview import ConfigError, EngineUnavailable, InterviewError, InterviewService, Settings
from interview.coding.runner import isolation_report
from interview.compose import build_service
from interview.errors import SpeechError
from interview.speech import stt, tts
from ui.session import reload_on_conflict

SIDEBAR_ACTIONS = {  # button label -> what the candidate "says"; the intent detector routes it
    "Hint": "Could I have a hint, please?",
    "Skip": "Skip this question, please.",
    "End": "Let's end the interview here.",
}
USER_KEY = "app_user_key"  # a key the user pasted: this browser session only, never saved or shown
SPEAKER_OVERRIDE = "app_speaker"  # tests put a fake text-to-speech speaker here; the app never sets it
NO_SPEECH = "Spoken questions are not available on this server (no speech engine); questions stay as text."
FALLBACK = "app_engine_fallback"  # why this run's service is offline although another engine was chosen


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets.toml is the normal case on a laptop
        return {}


def get_settings() -> Settings:
    """Read the settings once per browser session; stop the page with the reason when one is wrong."""
    if "app_settings" not in st.session_state:
        try:
            st.session_state["app_settings"] = Settings.from_sources(secrets=_secrets())
        except ConfigError as exc:
            st.error(str(exc))
            st.stop()
    return st.session_state["app_settings"]


@st.cache_resource(show_spinner=False)
def _shared_service(_settings: Settings, engine: str, model: str, data_dir: str, max_chars: int, digest: str,
                    execution: bool = True) -> InterviewService:
    """One service per server and engine choice, on the server's own key (the breaker is shared: an outage is too)."""
    return build_service(_settings, engine=engine, model=model)


def secret_digest(*parts: object) -> str:
    """Stand in for values holding a key in a cache key or tag, so the key itself is never stored there."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _digest(settings: Settings) -> str:
    """Tell settings apart in the cache key without putting the key itself there."""
    key = settings.groq_api_key.get_secret_value() if settings.groq_api_key else ""
    return secret_digest(key, settings.groq_base_url, settings.llm_timeout)


def engine_choice(settings: Settings) -> tuple[str, str]:
    """Return (engine, model) for this browser session: what Settings chose, else the server's defaults."""
    return (st.session_state.get("app_engine", settings.resolved_engine),
            st.session_state.get("app_model", settings.groq_model))


def get_service() -> InterviewService:
    """Return the service for this session's engine choice; a user's own key gets a service of its own.

    When the chosen engine cannot run here (the AI interviewer without a key) the offline one runs instead, and the
    sidebar says why.
    """
    settings = get_settings()
    st.session_state.setdefault("app_default_questions", settings.default_questions)
    engine, model = engine_choice(settings)
    user_key = st.session_state.get(USER_KEY, "")
    st.session_state.pop(FALLBACK, None)
    try:
        if engine == "groq" and user_key:
            tag = ("user", model, secret_digest(user_key))
            if st.session_state.get("app_service_tag") != tag:
                st.session_state["app_service"] = build_service(settings, engine="groq", api_key=user_key, model=model)
                st.session_state["app_service_tag"] = tag
            return st.session_state["app_service"]
        return _shared_service(settings, engine, model, str(settings.data_dir), settings.max_message_chars,
                               _digest(settings), settings.code_execution)
    except EngineUnavailable as exc:  # e.g. the AI interviewer chosen but no key: carry on offline, and say so
        st.session_state[FALLBACK] = f"{exc} The offline interviewer is running instead."
        return _shared_service(settings, "offline", model, str(settings.data_dir), settings.max_message_chars, "",
                               settings.code_execution)
    except InterviewError as exc:
        st.error(str(exc))
        st.stop()


def groq_key(settings: Settings) -> str:
    """Return the Groq key this session uses: the one the user pasted, else the server's, else ''."""
    return st.session_state.get(USER_KEY) or (settings.groq_api_key.get_secret_value() if settings.groq_api_key else "")


def stt_choice(settings: Settings) -> str:
    """Return this session's speech-to-text backend: Groq only while a key exists, else local Whisper."""
    choice = st.session_state.get("app_stt", settings.stt_backend)
    return choice if choice != "groq" or groq_key(settings) else "whisper"


@st.cache_resource(show_spinner=False)
def _shared_transcriber(backend: str, model: str, digest: str, _api_key: str, _base_url: str | None,
                        max_seconds: float = stt.DEFAULT_MAX_SECONDS) -> stt.Transcriber:
    """One transcriber per server and backend: local Whisper loads its model once for every session."""
    return stt.get_transcriber(backend, model=model or None, api_key=_api_key, base_url=_base_url,
                               max_seconds=max_seconds)


def get_transcriber() -> stt.Transcriber:
    """Return the speech-to-text backend for this session; raise SpeechUnavailable when it cannot be had.

    A key the user pasted gets a transcriber of its own in this session (like get_service), so it never
    outlives the session in a server-wide cache; the server's key is shared, cached by digest.
    """
    settings = get_settings()
    backend = stt_choice(settings)
    if backend == "groq" and (user_key := st.session_state.get(USER_KEY)):
        tag = secret_digest(user_key, settings.groq_base_url)
        if st.session_state.get("app_transcriber_tag") != tag:
            st.session_state["app_transcriber"] = stt.get_transcriber(
                "groq", api_key=user_key, base_url=settings.groq_base_url, max_seconds=settings.max_audio_seconds)
            st.session_state["app_transcriber_tag"] = tag
        return st.session_state["app_transcriber"]
    key = groq_key(settings) if backend == "groq" else ""
    digest = secret_digest(key, settings.groq_base_url) if key else ""
    return _shared_transcriber(backend, settings.whisper_model, digest, key, settings.groq_base_url,
                               settings.max_audio_seconds)


@st.cache_resource(show_spinner=False, on_release=lambda speaker: speaker.close())
def _shared_speaker(cache_dir: str) -> tts.Speaker:
    """One text-to-speech speaker per server: it speaks in a worker child (stopped on release), caching WAVs on disk."""
    speaker = tts.get_speaker(cache_dir=Path(cache_dir))
    # Start the worker now, off the page's thread, so the first spoken question does not pay for it.
    threading.Thread(target=speaker.available, name="tts-warm-up", daemon=True).start()
    return speaker


def get_speaker() -> tts.Speaker:
    """Return the text-to-speech speaker (a test's fake when one is set); raise SpeechUnavailable when there is none."""
    if (fake := st.session_state.get(SPEAKER_OVERRIDE)) is not None:
        return fake
    return _shared_speaker(str(get_settings().data_dir / "tts-cache"))


def available_speaker() -> tts.Speaker | None:
    """Return the speaker when this server can speak (the speaker caches the answer), else None."""
    try:
        speaker = get_speaker()
        return speaker if speaker.available() else None
    except SpeechError:
        return None


def _act(service: InterviewService, message: str, queue: bool) -> None:
    """Button callback: on the interview page the message is queued and streamed; elsewhere it is sent now."""
    state = st.session_state.get("iv_state")
    if state is None or state.status == "finished":
        return
    if queue:
        st.session_state["iv_queued"] = message
        return
    try:
        with reload_on_conflict(service, rerun=False):
            st.session_state["iv_state"] = service.submit(state, message).state
    except InterviewError as exc:
        st.session_state["iv_notice"] = str(exc)


def engine_status(service: InterviewService) -> None:
    """Say which engine runs the interview, and whether the LLM is paused."""
    engine = service.engine
    if engine.name == "offline":
        st.caption("Engine: **offline** (curated bank and rubric; no key, no network)")
        return
    st.caption(f"Engine: **{engine.name}** · {getattr(engine, 'model', '')}")
    breaker = getattr(engine, "breaker", None)
    if breaker is not None and (left := breaker.remaining()) > 0:
        st.warning(f"The AI interviewer is paused for about {left:.0f} s after repeated problems "
                   f"({breaker.reason.rstrip('.')}). The offline interviewer answers meanwhile.")


@st.cache_resource(show_spinner=False)
def sandbox_isolation() -> dict:
    """Ask once per server what the sandbox proved at start-up (this starts its worker pool)."""
    return isolation_report()


def code_runner_status(requested: bool) -> str:
    """Say whether candidates' code runs here (``requested``: the operator left code execution on), and what isolates it
    or why it does not run."""
    if not requested:
        return "Code runner: code execution off"
    report = sandbox_isolation()
    if report["proven"]:
        return "Code runner: isolated (" + ", ".join(report["mechanisms"]) + ")"
    if get_settings().sandbox_unsafe:
        return "Code runner: UNSAFE opt-in (isolation not proven on this host)"
    return "Code runner: off (this host cannot prove the sandbox's isolation; code is discussed, not run)"


def sidebar(service: InterviewService, *, queue: bool = False) -> None:
    """Show the engine, progress, difficulty and the hint / skip / end buttons."""
    state = st.session_state.get("iv_state")
    with st.sidebar:
        if fallback := st.session_state.get(FALLBACK):
            st.warning(fallback)
        engine_status(service)
        st.caption(code_runner_status(get_settings().code_execution))
        if state is None:
            st.caption("No interview in progress.")
            return
        if state.status == "finished":
            st.caption(f"Interview finished: {len(state.asked)} of {state.planned} questions asked.")
            return
        st.markdown(f"**Question {len(state.asked)} of {state.planned}**")
        st.progress(min(1.0, (len(state.asked) - 1) / max(1, state.planned)))
        dots = "●" * state.difficulty + "○" * (5 - state.difficulty)
        st.markdown(f"Difficulty: **{state.difficulty} / 5** {dots}")
        for col, (label, message) in zip(st.columns(3), SIDEBAR_ACTIONS.items(), strict=True):
            col.button(label, key=f"sb_{label.lower()}", width="stretch", on_click=_act, args=(service, message, queue))
