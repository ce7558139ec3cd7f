"""The interviewer protocol every engine implements, and the factory that picks one by name."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..errors import EngineUnavailable, LLMError, LLMPaused
from ..models import Assessment, CodeAttempt, Question, Role, SessionState
from ..session.decisions import Decision, Opening
from ..settings import Settings
from .groq_client import GroqConfig


@runtime_checkable
class Interviewer(Protocol):
    """An interviewer: opens the interview, decides the reply to each message and code submission, scores answers.

    Engines read the session and return decisions; they never change it. The session service applies
    each decision (``interview.session.transitions``) and saves the session.
    """

    name: str

    def opening(self, state: SessionState) -> Opening:
        """Choose the first question and the greeting that puts it."""
        ...

    def decide(self, state: SessionState, message: str) -> Decision:
        """Decide about one candidate message: its intent, its assessment if an answer, and what comes next."""
        ...

    def decide_code(self, state: SessionState, attempt: CodeAttempt) -> Decision:
        """Decide about a judged code submission on the open coding question."""
        ...

    def assess(self, question: Question, answer: str, role: Role) -> Assessment:
        """Score an answer to a question."""
        ...


@dataclass(frozen=True)
class Notice:
    """A stream event: drop the words streamed so far for this turn and show this notice instead."""

    text: str


Chunk = str | Notice
DecisionStream = Generator[Chunk, None, Decision]


@runtime_checkable
class StreamingInterviewer(Interviewer, Protocol):
    """An interviewer whose replies arrive word by word (and that may fail: ``LLMError``, the service falls back)."""

    def stream(self, state: SessionState, message: str) -> DecisionStream:
        """Like ``decide``, but yield the reply's words as they come and return the decision at the end."""
        ...

    def stream_code(self, state: SessionState, attempt: CodeAttempt) -> DecisionStream:
        """Like ``decide_code``, streamed."""
        ...

    def summarize(self, state: SessionState, facts: dict) -> str | None:
        """Return a short narrative for the report, or None to use the one made in code."""
        ...


def fallback_notice(err: LLMError) -> str:
    """What the candidate is told when the offline engine decided a turn because the AI interviewer failed."""
    if isinstance(err, LLMPaused):
        return f"{err} The offline interviewer is answering meanwhile."
    return f"{str(err).rstrip('.')}. The offline interviewer answered this turn; the interview carries on."


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
