"""What an engine decides about one message: a typed value, never a change to the session.

Engines read the session and return a ``Decision`` (or an ``Opening`` for the first question); only
``interview.session.transitions`` turns decisions into changes of the session, so every rule about
how an interview moves on (what counts as answered, what a follow-up or the next question records)
is written once, there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..models import Action, Assessment, CodeAttempt, Intent, Question


@dataclass(frozen=True)
class FollowUp:
    """A follow-up question: the talking point (or coding topic, or ``flaw:<id>``) it is about, and its words.

    ``new`` is False when the topic was asked about before and is only put again (nothing is recorded for it).
    """

    point_id: str
    ask: str
    new: bool = True


@dataclass(frozen=True)
class Decision:
    """An engine's decision about one candidate message or code submission.

    - ``intent``: what the message was taken to be; ``action``: what the interview does next.
    - ``words``: the interviewer's reply, as said; ``notice``: what the candidate is told about the turn.
    - ``assessment``: the open question's new assessment (None: unchanged); ``scored``: the message is an
      answer and joins the question's answers; ``score``: the question score recorded on the turn.
    - ``follow_up`` (action ``follow_up``), ``next_question`` and ``difficulty`` (moving on: the question as
      worded, the interview's new difficulty; difficulty may change on ``end`` too), ``hint`` (a hint given).
    - ``attempt``: a code submission to record on the coding question.
    - ``engine``: who decided; recorded on the turn.
    """

    intent: Intent
    action: Action
    words: str
    engine: str
    assessment: Assessment | None = None
    scored: bool = False
    score: int | None = None
    follow_up: FollowUp | None = None
    next_question: Question | None = None
    difficulty: int | None = None
    hint: bool = False
    attempt: CodeAttempt | None = None
    notice: str = ""

    def worded(self, words: str, engine: str) -> Decision:
        """The same decision in other words, credited to ``engine``."""
        return replace(self, words=words, engine=engine)

    def with_notice(self, notice: str) -> Decision:
        """The same decision with a notice for the candidate (e.g. it was made by the fallback engine)."""
        return replace(self, notice=notice)


@dataclass(frozen=True)
class Opening:
    """How an interview opens: the greeting with the first question, or no question (the interview ends at once)."""

    words: str
    question: Question | None
    engine: str

    def with_notice(self, notice: str) -> Opening:
        """The same opening, prefixed with a notice (it was made by the fallback engine)."""
        return replace(self, words=f"({notice})\n\n{self.words}")
