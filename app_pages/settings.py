"""Settings: choose the interviewer engine, use your own Groq key for this session, pick a model, test the connection,
and choose how speech works (questions read aloud, speech-to-text backend)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from interview import DEFAULT_MODEL, FAST_MODEL, GroqConfig, LLMError, check_connection, list_models
from interview.errors import SpeechError
from ui.shell import (
    NO_SPEECH,
    USER_KEY,
    available_speaker,
    code_runner_status,
    engine_choice,
    get_settings,
    groq_key,
    sandbox_isolation,
    secret_digest,
    stt_choice,
)

settings = get_settings()
ENGINES = {"offline": "Offline: curated questions and rubric scoring, no key, no network",
           "groq": "AI interviewer (Groq): writes questions and follow-ups with an LLM"}
SAMPLE = "Tell me about a time you had to learn something new quickly."
STT = {"whisper": "Local Whisper (offline)", "groq": "Groq Whisper (needs a key; audio leaves this server)"}


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _models(_config: GroqConfig, digest: str) -> list[str]:
    """The account's chat models, cached per key (by digest: the key itself is not a cache key)."""
    return list_models(_config)


def _config(model: str) -> GroqConfig | None:
    key = groq_key(settings)
    if not key:
        return None
    return GroqConfig(api_key=key, model=model, base_url=settings.groq_base_url, timeout=settings.llm_timeout)


def _use_key() -> None:
    """Keep the pasted key in this session only, and clear the box so it is never shown again."""
    key = st.session_state.get("st_key_input", "").strip()
    st.session_state["st_key_input"] = ""
    if key:
        st.session_state[USER_KEY] = key
        st.session_state["st_flash"] = "Key saved for this browser session only. It is not stored on the server."


def _forget_key() -> None:
    st.session_state.pop(USER_KEY, None)
    st.session_state["st_flash"] = "Your key was forgotten."


def key_section() -> None:
    st.subheader("Groq API key")
    if st.session_state.get(USER_KEY):
        st.success("Using the key you pasted, for this browser session only.")
        st.button("Forget my key", key="st_forget_key", on_click=_forget_key)
    elif settings.groq_api_key:
        st.info("Using the server's key (GROQ_API_KEY). You may paste your own to use it instead, for this session only.")
    else:
        st.info("No key is set on this server. Paste your own Groq key to use the AI interviewer in this session; "
                "get one free at console.groq.com. It is kept in memory for this session only: never saved, logged or shown again.")
    st.text_input("Your Groq API key", type="password", key="st_key_input", placeholder="gsk_…")
    st.button("Use this key", key="st_use_key", on_click=_use_key)


def model_section(model: str) -> str:
    config = _config(model)
    if config is None:
        st.caption(f"Model: {model} (add a key to list the models your account has).")
        return model
    try:
        models = _models(config, secret_digest(config.api_key, config.base_url))
        listed = True
    except LLMError as exc:
        st.warning(f"Could not list your models: {exc} Showing the usual ones.")
        models, listed = [DEFAULT_MODEL, FAST_MODEL], False
    if model not in models:
        models = [model, *models]
    labels = {DEFAULT_MODEL: " (default: best questions)", FAST_MODEL: " (fast)"}
    chosen = st.selectbox("Model", models, index=models.index(model), key="st_model",
                          format_func=lambda m: m + labels.get(m, ""),
                          help="Listed from your Groq account." if listed else "The usual Groq models.")
    if st.button("Test connection", key="st_test"):
        try:
            st.success(check_connection(replace(config, model=chosen)))
        except LLMError as exc:
            st.error(str(exc))
    return chosen


def _english_first(voices) -> list:
    """Order voices: American English, then British, then other English, then the rest, each by name."""
    def rank(v) -> tuple:
        langs = {str(lang).lower().replace("_", "-") for lang in v.languages}
        return "en-us" not in langs, "en-gb" not in langs, not any(lang.startswith("en") for lang in langs), v.name
    return sorted(voices, key=rank)


def speech_out(speaker) -> None:
    """Read questions aloud: on or off, autoplay, voice and rate, with a sample to hear the choice."""
    on = st.toggle("Speak the interviewer's questions", value=st.session_state.get("app_tts_on", False), key="st_tts_on")
    st.session_state["app_tts_on"] = on
    st.session_state["app_tts_autoplay"] = st.toggle("Play automatically", key="st_tts_autoplay", disabled=not on,
                                                     value=st.session_state.get("app_tts_autoplay", True))
    try:
        voices = _english_first(speaker.voices())
    except SpeechError as exc:
        st.warning(f"{exc} The default voice is used.")
        voices = []
    if voices:
        ids = [v.id for v in voices]
        names = {v.id: v.name + (f" ({', '.join(v.languages)})" if v.languages else "") for v in voices}
        current = st.session_state.get("app_tts_voice")
        st.session_state["app_tts_voice"] = st.selectbox("Voice", ids, index=ids.index(current) if current in ids else 0,
                                                         format_func=names.get, key="st_tts_voice", disabled=not on)
    st.session_state["app_tts_rate"] = st.slider("Speaking rate (words per minute)", 100, 250, key="st_tts_rate",
                                                 value=st.session_state.get("app_tts_rate", 175), step=5, disabled=not on)
    if st.button("Hear a sample", key="st_tts_sample", disabled=not on):
        try:
            st.audio(speaker.speak(SAMPLE, voice=st.session_state.get("app_tts_voice"), rate=st.session_state["app_tts_rate"]),
                     format="audio/wav", autoplay=True)
        except SpeechError as exc:
            st.error(str(exc))


def voice_section() -> None:
    st.subheader("Voice")
    speaker = available_speaker()
    if speaker is None:
        st.info(NO_SPEECH)
        st.session_state["app_tts_on"] = False
    else:
        speech_out(speaker)
    backends = list(STT) if groq_key(settings) else ["whisper"]
    choice = st.radio("Speech-to-text for spoken answers", backends, index=backends.index(stt_choice(settings)), format_func=STT.get,
                      key="st_stt", help=None if len(backends) > 1 else "Groq Whisper is offered when a Groq key is set (above, or on the server).")
    st.session_state["app_stt"] = choice


def code_section() -> None:
    st.subheader("Coding exercises")
    isolation = sandbox_isolation() if settings.code_execution else None
    if isolation is not None and not isolation["proven"] and not settings.sandbox_unsafe:
        st.warning(isolation["message"])
    elif settings.code_execution:
        st.info("Code execution is on: Run and Submit run candidates' code in a sandbox on this server, whose isolation "
                "a probe checked at start-up.")
        st.caption("To turn it off (for example on a shared server you do not trust the sandbox for), start the app with "
                   "INTERVIEW_CODE_EXECUTION=off. Coding questions stay; submitted code is discussed but never run.")
    else:
        st.info("Code execution is off on this server (INTERVIEW_CODE_EXECUTION=off): Run is not available, and submitted "
                "code is discussed by the interviewer but never run. Start the app with INTERVIEW_CODE_EXECUTION=on to run it.")
    st.caption(code_runner_status(settings.code_execution))


def main() -> None:
    st.title("Settings")
    if flash := st.session_state.pop("st_flash", None):
        st.toast(flash)
    engine, model = engine_choice(settings)
    choice = st.radio("Interviewer", list(ENGINES), index=list(ENGINES).index(engine), format_func=ENGINES.get, key="st_engine")
    st.session_state["app_engine"] = choice
    if choice == "groq":
        key_section()
        st.session_state["app_model"] = model_section(model)
        st.caption("If Groq is slow or down, each turn falls back to the offline interviewer with a notice, "
                   "and the AI interviewer pauses for a minute after repeated failures.")
    voice_section()
    code_section()
    st.caption("Changes apply from your next message; an interview in progress carries on.")


main()
