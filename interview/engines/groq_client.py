"""The Groq side of the LLM engine: build the LangChain chat model, list models, translate errors.

Library exceptions stop here: everything above sees only the project's LLMError family, whose
messages never carry the API key.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from ..errors import (
    EngineUnavailable,
    LLMAuthError,
    LLMConnectionError,
    LLMError,
    LLMOutputError,
    LLMRateLimited,
    LLMServerError,
    LLMTimeout,
)

DEFAULT_MODEL = "llama-3.3-70b-versatile"
FAST_MODEL = "llama-3.1-8b-instant"
NOT_CHAT = ("whisper", "tts", "guard", "playai", "orpheus", "distil")  # model ids that cannot interview


@dataclass(frozen=True)
class GroqConfig:
    """Where and how to call Groq. ``api_key`` is only ever passed to the client, never logged or saved."""

    api_key: str
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    timeout: float = 15.0
    max_tokens: int = 900

    def __repr__(self) -> str:  # keep the key out of tracebacks and logs
        return f"GroqConfig(model={self.model!r}, base_url={self.base_url!r}, timeout={self.timeout})"


def chat_model(config: GroqConfig):
    """Return a streaming ChatGroq with an explicit timeout and no hidden retries (the engine retries)."""
    if not config.api_key:
        raise EngineUnavailable("No GROQ_API_KEY: set it in the environment or .streamlit/secrets.toml, "
                                "paste a key in Settings, or use the offline interviewer.")
    from langchain_groq import ChatGroq

    return ChatGroq(model=config.model, api_key=SecretStr(config.api_key), base_url=config.base_url or None,
                    timeout=httpx.Timeout(config.timeout, connect=min(5.0, config.timeout)), max_retries=0,
                    streaming=True, temperature=0.3, max_tokens=config.max_tokens)


def translate(exc: BaseException) -> LLMError:
    """Map a groq / httpx / langchain exception to the project's LLMError family."""
    import groq

    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, groq.APIStatusError):
        status = exc.status_code
        if status in (401, 403):
            return LLMAuthError(f"Groq rejected the API key (HTTP {status}). Check GROQ_API_KEY or paste a valid key in Settings; "
                                "the offline interviewer carries on meanwhile.")
        if status == 429:
            return LLMRateLimited("Groq is rate-limiting requests (HTTP 429).", retry_after=_retry_after(exc.response))
        if status >= 500:
            return LLMServerError(f"Groq had a server error (HTTP {status}).", retry_after=_retry_after(exc.response))
        if status == 404:
            return LLMError("Groq does not know this model (HTTP 404). Pick another model in Settings.")
        return LLMError(f"Groq refused the request (HTTP {status}).")
    if isinstance(exc, groq.APITimeoutError | httpx.TimeoutException | TimeoutError):
        return LLMTimeout("Groq did not answer in time.")
    if isinstance(exc, groq.APIConnectionError | httpx.HTTPError | ConnectionError):
        return LLMConnectionError("The connection to Groq failed or was cut.")
    if isinstance(exc, groq.APIResponseValidationError | ValueError):
        return LLMOutputError("Groq sent a reply that could not be read.")
    return LLMError(f"The call to Groq failed ({type(exc).__name__}).")


def _retry_after(response: httpx.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from Groq; use our own backoff


def list_models(config: GroqConfig) -> list[str]:
    """Return the chat models this key can use, sorted, defaults first; raise LLMError on failure."""
    import groq

    client = groq.Groq(api_key=config.api_key, base_url=config.base_url or None, timeout=config.timeout, max_retries=0)
    try:
        listed = client.models.list().data
    except Exception as exc:  # noqa: BLE001 - translated: callers see only LLMError
        raise translate(exc) from None
    finally:
        client.close()
    ids = {m.id for m in listed if getattr(m, "active", True) is not False and not any(t in m.id.lower() for t in NOT_CHAT)}
    preferred = [m for m in (DEFAULT_MODEL, FAST_MODEL) if m in ids]
    return preferred + sorted(ids - set(preferred))


def check_connection(config: GroqConfig) -> str:
    """Check the key and the chosen model; return a sentence for the user or raise LLMError."""
    models = list_models(config)
    if config.model not in models:
        raise LLMError(f"The key works, but this account has no model {config.model!r}. Available: {', '.join(models[:8]) or 'none'}.")
    return f"Connected to Groq: the key works and {config.model} is available ({len(models)} chat models on this account)."
