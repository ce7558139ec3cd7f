"""The interviewer protocol every engine implements, and the factory that picks one by name."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..errors import EngineUnavailable
from ..models import Assessment, Question, Role, SessionState, Turn


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


def available_engines() -> list[str]:
    """Return the names get_engine accepts."""
    return ["offline"]


def get_engine(name: str = "offline") -> Interviewer:
    """Return the interviewer engine called ``name``; raise EngineUnavailable for an unknown one."""
    key = (name or "offline").strip().lower()
    if key == "offline":
        from .offline import OfflineInterviewer

        return OfflineInterviewer()
    raise EngineUnavailable(f"Unknown engine {name!r}: choose one of {', '.join(available_engines())}.")
