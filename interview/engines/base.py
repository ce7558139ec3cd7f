"""The interviewer protocol every engine implements, and the factory that picks one by name."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..errors import EngineUnavailable
from ..models import Assessment, CodeAttempt, Question, Role, SessionState, Turn
from ..settings import Settings
from .groq_client import GroqConfig


@runtime_checkable
class Interviewer(Protocol):
    """An interviewer: opens the interview, replies to each message, scores answers.

    ``open`` and ``respond`` update the state they are given (the session service hands them a
    copy and keeps it only when the call succeeds) and return the interviewer's words or turn.
    """

    name: str

    def open(self, state: SessionState) -> str:
        """Choose the first question, record it in the state, and return the greeting with it."""
        ...

    def respond(self, state: SessionState, message: str) -> Turn:
        """Handle one candidate message: classify, score if an answer, and decide what comes next."""
        ...

    def assess(self, question: Question, answer: str, role: Role) -> Assessment:
        """Score an answer to a question."""
        ...


@dataclass(frozen=True)
class Notice:
    """A stream event: drop the words streamed so far for this turn and show this notice instead."""

    text: str


Chunk = str | Notice
TurnGenerator = Generator[Chunk, None, Turn]


@runtime_checkable
class StreamingInterviewer(Interviewer, Protocol):
    """An interviewer whose replies arrive word by word."""

    def stream(self, state: SessionState, message: str) -> TurnGenerator:
        """Like ``respond``, but yield the reply's words as they come and return the turn at the end."""
        ...

    def summarize(self, state: SessionState, facts: dict) -> str | None:
        """Return a short narrative for the report, or None to use the one made in code."""
        ...


@runtime_checkable
class CodingInterviewer(Interviewer, Protocol):
    """An interviewer that can run coding questions (code submitted from the editor)."""

    def code_turn(self, state: SessionState, attempt: CodeAttempt) -> Turn:
        """Record a judged submission on the open coding question, score it, and reply."""
        ...


def available_engines() -> list[str]:
    """Return the names get_engine accepts."""
    return ["offline", "groq"]


def get_engine(name: str = "offline", *, groq: GroqConfig | None = None) -> Interviewer:
    """Return the interviewer engine called ``name``; raise EngineUnavailable for an unknown or unusable one."""
    key = (name or "offline").strip().lower()
    if key == "offline":
        from .offline import OfflineInterviewer

        return OfflineInterviewer()
    if key == "groq":
        from .groq_client import chat_model
        from .llm import LLMInterviewer

        if groq is None:
            raise EngineUnavailable("No GROQ_API_KEY: set it in the environment or .streamlit/secrets.toml, or use the offline interviewer.")
        return LLMInterviewer(chat_model(groq), name="groq", model=groq.model, turn_budget=max(10.0, 2 * groq.timeout),
                              require_finish_reason=True)
    raise EngineUnavailable(f"Unknown engine {name!r}: choose one of {', '.join(available_engines())}.")


def engine_from_settings(settings: Settings, *, name: str | None = None, api_key: str | None = None,
                         model: str | None = None) -> Interviewer:
    """Build the engine the settings ask for; ``api_key`` / ``model`` override them (a user's own key)."""
    chosen = name or settings.resolved_engine
    if chosen != "groq":
        return get_engine(chosen)
    key = api_key or (settings.groq_api_key.get_secret_value() if settings.groq_api_key else "")
    return get_engine("groq", groq=GroqConfig(api_key=key, model=model or settings.groq_model,
                                              base_url=settings.groq_base_url, timeout=settings.llm_timeout))
