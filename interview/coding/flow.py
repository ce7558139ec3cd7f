"""Coding questions in an interview: choosing a problem, and the interviewer's side of the exercise.

A coding question is an ``AskedQuestion`` whose ``code`` holds the editor's state and every Run and
Submit. The candidate submits code from the editor (a turn with intent ``code``) and explains the
approach in the chat (answers). After each, the interviewer decides in code what to ask next, in
this order: submit the code if not yet; the failing case if the last submission failed; the
complexity if not stated; a faster approach if the code was measured slow or the stated complexity
is worse than expected; space if not stated; edge cases if not mentioned; the problem's own
follow-up. Hints come from the problem. Both engines use these decisions
(``interview.engines.coding_turns``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ..errors import NotCodingQuestion
from ..models import VERDICT_WORDS, AskedQuestion, Assessment, CodeAttempt, CodeWork, Kind, Question, SessionState, TalkingPoint
from .assess import EDGE, assess_code, growth, last_submission, measured_slow, ms, stated_complexity
from .problems import Problem, load_problems

PREFIX = "code-"
LEVEL = {"easy": 2, "medium": 3, "hard": 4}
MAX_CODING_FOLLOW_UPS = 3  # about the explanation; asking for the code itself does not count
INSTRUCTIONS = ("Write your solution in the editor below (Python or JavaScript). Press Run to try it on the examples and "
                "Submit when you're happy; then walk me through your approach and its time and space complexity. "
                "Ask me for a hint at any time.")


def problem_question(problem: Problem) -> Question:
    """The bank-style question for a coding problem: its talking points are what a good walk-through covers."""
    ex = problem.examples[0]
    example = f"For example, {call(problem, ex.args)} returns {json.dumps(ex.expected)}."
    topic = problem.topics[0].replace("_", " ")
    return Question(
        id=f"{PREFIX}{problem.id}", kind=Kind.coding, difficulty=LEVEL[problem.difficulty], topic=problem.topics[0], role_id="coding",
        text=f"Coding exercise, {problem.title}: {problem.statement} {example}",
        clarification=f"Write a function {problem.function}({', '.join(problem.params)}). {problem.statement} {example}",
        hint=problem.hints[0] if problem.hints else f"Think about which data structure makes the core step cheap ({topic}).",
        points=[
            TalkingPoint(id="approach", label="Explains the approach and why it works", weight=3,
                         keywords=[topic, "approach", "algorithm", "because", "iterate", "loop"],
                         follow_up="Walk me through your approach: how does it work, step by step?"),
            TalkingPoint(id="complexity", label=f"States the time and space complexity (expected {problem.complexity.time} time)",
                         weight=3, keywords=["complexity", "o(n)", "linear", "time", "space", "memory"],
                         follow_up="What are the time and space complexity of your solution?"),
            TalkingPoint(id="edge_cases", label="Handles edge cases", weight=2,
                         keywords=["edge case", "empty", "duplicate", "negative", "single", "zero"],
                         follow_up="What edge cases did you consider, and how does your code handle them?"),
        ],
        model_answer=[f"Expected complexity: {problem.complexity.time} time, {problem.complexity.space} space.",
                      *[f"Hint: {h}" for h in problem.hints]],
    )


def call(problem: Problem, args: list) -> str:
    return f"{problem.function}({', '.join(json.dumps(a) for a in args)})"


def is_coding(question: Question) -> bool:
    return question.kind is Kind.coding and question.id.startswith(PREFIX)


def work_of(asked: AskedQuestion) -> CodeWork:
    """Return a coding question's editor state and attempts; raise NotCodingQuestion if the question is not a coding exercise."""
    if asked.code is None:
        raise NotCodingQuestion(f"Question {asked.question.id!r} is not a coding exercise: answer it as a message.")
    return asked.code


def problem_of(asked: AskedQuestion) -> Problem:
    """Return the problem behind a coding question."""
    return load_problems()[work_of(asked).problem_id]


def new_asked(question: Question, difficulty: int) -> AskedQuestion:
    """An asked question; a coding one gets its editor state."""
    code = CodeWork(problem_id=question.id.removeprefix(PREFIX)) if is_coding(question) else None
    return AskedQuestion(question=question, difficulty=difficulty, code=code)


def pick_problem(state: SessionState, difficulty: int | None = None, exclude: AbstractSet[str] = frozenset()) -> Question | None:
    """An unused problem nearest the difficulty (the seed breaks ties), as a question."""
    level = state.difficulty if difficulty is None else difficulty
    used = {a.question.id for a in state.asked} | set(exclude)
    fresh = [p for p in load_problems().values() if f"{PREFIX}{p.id}" not in used]
    if not fresh:
        return None
    best = min(abs(LEVEL[p.difficulty] - level) for p in fresh)
    closest = sorted((p for p in fresh if abs(LEVEL[p.difficulty] - level) == best), key=lambda p: p.id)
    return problem_question(random.Random(f"code:{state.options.seed}:{len(state.asked)}:{level}").choice(closest))


def attempted(asked: AskedQuestion) -> bool:
    """True when the candidate answered the question, or submitted code for it."""
    return bool(asked.answers or (asked.code is not None and asked.code.submissions))


def explanation(state: SessionState, asked: AskedQuestion) -> str:
    return "\n".join(state.turns[i].message for i in asked.answers)


def assess(state: SessionState, asked: AskedQuestion, explained: str | None = None) -> Assessment:
    """Score a coding question from its submissions and explanation (correctness left out if code could not run)."""
    work = work_of(asked)
    last = last_submission(work)
    text = explanation(state, asked) if explained is None else explained
    return assess_code(problem_of(asked), work, text, execution=last is None or last.verdict != "not_run")


@dataclass(frozen=True)
class Step:
    """What the interviewer does next on a coding question: a follow-up (topic, words), or move on (topic None)."""

    topic: str | None
    ask: str = ""


def next_step(state: SessionState, asked: AskedQuestion, explained: str | None = None) -> Step:
    """Decide the next follow-up on a coding question, or Step(None) to move on."""
    problem, work = problem_of(asked), work_of(asked)
    text = explanation(state, asked) if explained is None else explained
    asked_topics = set(asked.asked_point_ids)
    last = last_submission(work)
    stated = stated_complexity(text)
    said, expected = (growth(stated.time) if stated.time else None), growth(problem.complexity.time)
    if last is None:
        return Step("submit", "When you're ready, write it in the editor and press Submit; I'll run it against the tests.")
    if not text.strip():
        return Step("explain", "Walk me through your approach: how it works, and its time and space complexity.")
    explanation_topics = [t for t in asked_topics if t not in ("submit", "explain")]
    if len(explanation_topics) >= MAX_CODING_FOLLOW_UPS:
        return Step(None)
    if last.verdict not in ("passed", "not_run") and "failing" not in asked_topics:
        where = last.first_failure or last.message or "one of the hidden tests"
        return Step("failing", f"Your last submission fails on {where}. What do you think goes wrong there, and how would you fix it?")
    if stated.time is None and "complexity" not in asked_topics:
        return Step("complexity", "What are the time and space complexity of your solution?")
    if (measured_slow(last) or last.verdict == "timeout" or (said and expected and said > expected)) and "optimize" not in asked_topics:
        why = (f"Your solution took {ms(last.large_ms)} on the large hidden input, much longer than it needs to. "
               if measured_slow(last) and last.large_ms is not None else f"You said {stated.time}. " if stated.time else "")
        return Step("optimize", f"{why}Can you find a faster approach? What would it cost in memory?")
    if stated.space is None and stated.time is not None and "space" not in asked_topics:
        return Step("space", "And how much extra memory does it use?")
    if not EDGE.search(text) and "edge_cases" not in asked_topics:
        return Step("edge_cases", "What edge cases did you consider, and how does your code handle them?")
    if problem.follow_ups and "deeper" not in asked_topics:
        return Step("deeper", problem.follow_ups[0])
    return Step(None)


def result_words(attempt: CodeAttempt) -> str:
    """What the interviewer says about a submission's test results."""
    if attempt.verdict == "not_run":
        return "Thanks, I have your code. Code execution is turned off on this server, so I haven't run it."
    if attempt.verdict == "passed":
        large = f" The large input ran in {ms(attempt.large_ms)}." if attempt.large_ms is not None else ""
        return f"All {attempt.total} tests pass.{large}"
    if attempt.verdict == "failed":
        return f"{attempt.passed} of {attempt.total} tests pass; the first failing one is {attempt.first_failure or 'a hidden test'}."
    what = VERDICT_WORDS[attempt.verdict]
    return f"Your code {what}: {attempt.message or attempt.verdict}."


def retry_words(attempt: CodeAttempt) -> str:
    """What to do after a submission that did not pass."""
    if attempt.verdict == "error":
        return "Fix the error and submit again; Run shows the examples first."
    if attempt.verdict in ("timeout", "memory"):
        return "Is there an input where it loops forever, or is it too slow for large inputs? Fix it and submit again, or tell me your approach."
    return "Take another look: Run shows the examples case by case. Submit again when it's fixed, or tell me how you'd fix it."


def coding_slots(total: int, wanted: int, technical: bool) -> list[int]:
    """Positions of the coding questions in a plan of ``total``: spread out, never first when there is room."""
    n = min(wanted, total) if technical else 0
    if n == 0:
        return []
    if n >= total:
        return list(range(total))
    room = list(range(1, total))  # a warm-up question first
    if n > len(room):
        return list(range(total))
    return [room[round((i + 0.5) * len(room) / n - 0.5)] for i in range(n)]


__all__ = ["INSTRUCTIONS", "Step", "assess", "attempted", "coding_slots", "is_coding", "new_asked", "next_step", "pick_problem",
           "problem_of", "problem_question", "work_of"]
