"""Settings: choose the interviewer engine, use your own Groq key for this session, pick a model, test the connection."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import streamlit as st

from interview import DEFAULT_MODEL, FAST_MODEL, GroqConfig, LLMError, check_connection, list_models
from ui_shell import USER_KEY, engine_choice, get_service, get_settings, sidebar

settings = get_settings()
ENGINES = {"offline": "Offline: curated questions and rubric scoring, no key, no network",
           "groq": "AI interviewer (Groq): writes questions and follow-ups with an LLM"}


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _models(_config: GroqConfig, digest: str) -> list[str]:
    """The account's chat models, cached per key (by digest: the key itself is not a cache key)."""
    return list_models(_config)


def _config(model: str) -> GroqConfig | None:
    key = st.session_state.get(USER_KEY) or (settings.groq_api_key.get_secret_value() if settings.groq_api_key else "")
    if not key:
        return None
    return GroqConfig(api_key=key, model=model, base_url=settings.groq_base_url, timeout=settings.llm_timeout)


def _digest(config: GroqConfig) -> str:
    return hashlib.sha256(f"{config.api_key}|{config.base_url}".encode()).hexdigest()


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
        models = _models(config, _digest(config))
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
    st.caption("Changes apply from your next message; an interview in progress carries on.")


main()
sidebar(get_service())
