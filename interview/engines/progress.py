"""How an interview moves on, decided in code for every engine: which question comes next, at what difficulty."""

from __future__ import annotations

from dataclasses import dataclass

from ..coding.flow import INSTRUCTIONS, pick_problem
from ..models import Action, Kind, Question, SessionState
from ..plan import choose_question, next_difficulty, question_pool

REPORT_READY = "Your feedback report is ready."  # how every engine's closing words end
LAST_WORDS = f"That was my last question. Thank you! {REPORT_READY}"


@dataclass(frozen=True)
class Advance:
    """Moving on after a question: the words, the action (next question or end), the question, the new difficulty."""

    words: str
    action: Action
    question: Question | None
    difficulty: int


def pick(state: SessionState, difficulty: int | None = None) -> Question | None:
    """The next question from the bank for the planned kind at ``difficulty`` (default: the interview's)."""
    level = state.difficulty if difficulty is None else difficulty
    step = len(state.asked)
    if step >= state.planned:
        return None
    if state.kinds_plan[step] is Kind.coding:
        return pick_problem(state, level)
    used = {a.question.id for a in state.asked}
    return choose_question(question_pool(state.role, state.options), state.kinds_plan[step], level,
                           used, seed=state.options.seed, step=step, primary_role=state.role.id)


def advance(state: SessionState, score: int | None) -> Advance:
    """Move to the next question (or finish), the difficulty following the last score."""
    before = state.difficulty
    after = next_difficulty(before, score)
    question = pick(state, after) if len(state.asked) < state.planned else None
    if question is None:
        return Advance(LAST_WORDS, "end", None, after)
    step = ("Let's step it up a level. " if after > before else
            "Let's try one at a gentler level. " if after < before else "")
    return Advance(f"{step}Next question: {ask_words(question)}", "next_question", question, after)


def ask_words(question: Question) -> str:
    """How a question is put: a coding exercise comes with what to do in the editor."""
    return f"{question.text}\n\n{INSTRUCTIONS}" if question.kind is Kind.coding else question.text
