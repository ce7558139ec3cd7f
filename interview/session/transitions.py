"""The one place the interview's state changes: decisions applied to a session.

Every transition is here: an answer joins its question, a follow-up is recorded, the interview
moves to the next question (a harder or gentler one) or ends, a hint is counted, a code submission
is recorded. What counts as answered, skipped or unanswered is decided by ``leave_status`` alone.
"""

from __future__ import annotations

from typing import Literal

from ..coding.flow import attempted, new_asked
from ..models import AskedQuestion, Intent, SessionState, Turn
from .decisions import Decision, Opening

Left = Literal["answered", "skipped", "unanswered"]


def leave_status(asked: AskedQuestion, intent: Intent | None = None) -> Left:
    """How a question stands when the interview leaves it: answered (an answer or code came), skipped, or unanswered."""
    if attempted(asked):
        return "answered"
    return "skipped" if intent is Intent.skip else "unanswered"


def open_interview(state: SessionState, opening: Opening) -> None:
    """Record the opening: the first question asked, or the interview over when there is none."""
    state.opening = opening.words
    if opening.question is None:
        state.status = "finished"
    else:
        state.asked.append(new_asked(opening.question, state.difficulty))


def apply(state: SessionState, decision: Decision, message: str) -> Turn:
    """Apply an engine's decision about ``message`` to the open question; record and return the turn."""
    current = state.current
    if current is None:
        raise ValueError("apply() needs an open question; the session service checks this")
    index = len(state.turns)
    answered_follow_up = decision.scored and bool(current.follow_ups)
    if decision.attempt is not None:
        _record_attempt(current, decision, index)
    if decision.scored:
        current.answers.append(index)
    if decision.assessment is not None:
        current.assessment = decision.assessment
    _move(state, current, decision)
    turn = Turn(index=index, question_index=state.asked.index(current), question_id=current.question.id,
                message=message, intent=decision.intent, reply=decision.words, action=decision.action,
                follow_up=answered_follow_up, scored=decision.scored, score=decision.score,
                difficulty=state.difficulty, engine=decision.engine, notice=decision.notice,
                input_mode="code" if decision.attempt is not None else "typed")
    state.turns.append(turn)
    return turn


def finish(state: SessionState) -> None:
    """End the interview where it stands (the candidate asked for the report)."""
    if state.status == "finished":
        return
    if (current := state.current) is not None:
        current.status = leave_status(current)
    state.status = "finished"


def _record_attempt(current: AskedQuestion, decision: Decision, index: int) -> None:
    work = current.code
    if work is None or decision.attempt is None:
        raise ValueError("a code submission needs an open coding question; the session service checks this")
    attempt = decision.attempt.model_copy(update={"turn": index})
    work.attempts.append(attempt)
    work.language, work.draft = attempt.language, attempt.code


def _move(state: SessionState, current: AskedQuestion, decision: Decision) -> None:
    """The transition the decision's action names."""
    if decision.difficulty is not None:
        state.difficulty = decision.difficulty
    if decision.action == "follow_up":
        follow_up = decision.follow_up
        if follow_up is None:
            raise ValueError("a follow-up decision needs its follow-up")
        if follow_up.new:
            current.follow_ups.append(follow_up.ask)
            current.asked_point_ids.append(follow_up.point_id)
        state.hints_given = 0
    elif decision.action == "next_question":
        if decision.next_question is None:
            raise ValueError("a next-question decision needs its question")
        current.status = leave_status(current, decision.intent)
        state.hints_given = 0
        state.asked.append(new_asked(decision.next_question, state.difficulty))
    elif decision.action == "end":
        current.status = leave_status(current, decision.intent)
        state.status = "finished"
        if decision.difficulty is not None:
            state.hints_given = 0
    elif decision.hint:
        state.hints_given += 1
