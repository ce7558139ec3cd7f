"""The interviewer's side of a coding exercise, decided in code for every engine (see ``interview.coding.flow``).

Each function reads the session and returns a ``Decision``; nothing here changes the session.
"""

from __future__ import annotations

import json
from dataclasses import replace

from ..coding.assess import stated_complexity
from ..coding.flow import assess, attempted, call, explanation, next_step, problem_of, result_words, retry_words
from ..models import AskedQuestion, CodeAttempt, Intent, SessionState
from ..session.decisions import Decision, FollowUp
from .progress import advance

NO_MORE_HINTS = "That's all the hints I have for this one. Give it your best try, or say \"skip\" to move on."


def decide_code(state: SessionState, current: AskedQuestion, attempt: CodeAttempt, engine: str) -> Decision:
    """A submission from the editor (already run, or 'not_run'): score the question with it, and reply."""
    preview = current.model_copy(deep=True)  # the question as it stands once the submission is recorded
    work = preview.code
    if work is None:
        raise ValueError("decide_code() needs an open coding question; the session service checks this")
    work.attempts.append(attempt.model_copy(update={"turn": len(state.turns)}))
    assessment = assess(state, preview)
    preview.assessment = assessment
    said = result_words(attempt)
    retry = attempt.verdict not in ("passed", "not_run", "failed") or (
        attempt.verdict == "failed" and "failing" not in current.asked_point_ids)
    if retry:
        return Decision(Intent.code, "stay", f"{said} {retry_words(attempt)}", engine, assessment=assessment,
                        score=assessment.overall, attempt=attempt)
    decided = _next(state, preview, said, engine)
    return _with(decided, assessment=assessment, score=assessment.overall, attempt=attempt, intent=Intent.code)


def decide_message(state: SessionState, current: AskedQuestion, message: str, intent: Intent,
                   engine: str) -> Decision | None:
    """A chat message about a coding exercise, or None for intents handled as for any question."""
    if intent in (Intent.empty, Intent.gibberish, Intent.off_topic) and stated_complexity(message).time:
        intent = Intent.answer  # "It's O(n)" is short, but it answers the exercise
    if intent is Intent.answer:
        return _answer(state, current, message, engine)
    if intent is Intent.hint:
        hints = problem_of(current).hints or [current.question.hint]
        n = state.hints_given + 1
        words = f"Here's a nudge: {hints[n - 1]}" if n <= len(hints) else NO_MORE_HINTS
        return Decision(Intent.hint, "stay", words, engine, hint=True)
    if intent is Intent.clarify:
        return Decision(Intent.clarify, "stay", _restated(current), engine)
    if intent is Intent.skip:
        assessment = assess(state, current) if attempted(current) else None
        score = assessment.overall if assessment else current.assessment.overall if current.assessment else None
        moved = advance(state, score)
        return Decision(Intent.skip, moved.action, f"No problem, let's move on. {moved.words}", engine,
                        assessment=assessment, next_question=moved.question, difficulty=moved.difficulty)
    return None


def _answer(state: SessionState, current: AskedQuestion, message: str, engine: str) -> Decision:
    index = len(state.turns)
    explained = "\n".join([explanation(state, current), message]).strip()
    assessment = assess(state, current, explained)
    preview = current.model_copy(update={"assessment": assessment})
    decided = _next(state, preview, "Thanks." if index % 2 else "Okay, thank you.", engine, explained)
    return _with(decided, assessment=assessment, scored=True, score=assessment.overall, intent=Intent.answer)


def _next(state: SessionState, current: AskedQuestion, said: str, engine: str, explained: str | None = None) -> Decision:
    """The next follow-up on the exercise, or moving on; ``current`` is the question with this turn's changes."""
    step = next_step(state, current, explained)
    if step.topic is not None:
        follow_up = FollowUp(step.topic, step.ask, new=step.topic not in current.asked_point_ids)
        return Decision(Intent.answer, "follow_up", f"{said} {step.ask}", engine, follow_up=follow_up)
    moved = advance(state, current.assessment.overall if current.assessment else None)
    return Decision(Intent.answer, moved.action, f"{said} {moved.words}", engine, next_question=moved.question,
                    difficulty=moved.difficulty)


def _with(decision: Decision, **changes) -> Decision:
    return replace(decision, **changes)


def _restated(current: AskedQuestion) -> str:
    problem = problem_of(current)
    examples = " ".join(f"{call(problem, e.args)} returns {json.dumps(e.expected)}"
                        + (f" ({e.explanation})" if e.explanation else "") + "."
                        for e in problem.examples[:2])
    return (f"Sure. Write a function {problem.function}({', '.join(problem.params)}): {problem.statement} "
            f"For example: {examples} The editor starts with the signature; Run shows each example's result.")
