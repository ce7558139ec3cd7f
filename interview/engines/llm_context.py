"""The bounded context of each LLM call: role, plan, a running summary, the current rubric, the last exchange.

The prompt never carries the whole transcript: earlier questions shrink to one line each (and
the oldest to one line in all), so a 20-turn interview costs about what a 3-turn one does.
"""

from __future__ import annotations

import json
import re

from ..coding.assess import last_submission
from ..coding.flow import pick_problem, problem_of, retry_words, work_of
from ..models import AskedQuestion, CodeAttempt, Kind, Question, SessionState, Turn
from ..plan import choose_question, question_pool
from .offline import MAX_FOLLOW_UPS
from .progress import REPORT_READY, ask_words

JD_CHARS = 1500
ANSWER_CHARS = 1200
LAST_REPLY_CHARS = 600
SUMMARY_LINES = 6
LEVELS = {1: "harder", 0: "same", -1: "easier"}
CODE_CHARS = 4000
ASKED_CHARS = 600
PITFALL_CHARS = 160  # each claim and correction, cut on a word
END_WORDS = REPORT_READY


def fence(message: str) -> str:
    """Return candidate text that cannot close the tag it sits in."""
    return re.sub(r"</?\s*candidate_message", "[candidate_message", message, flags=re.IGNORECASE)


def dumps(data: dict) -> str:
    """Compact JSON: fewer tokens than pretty-printed, still plain for the model."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def role_context(state: SessionState) -> dict:
    """The role and, when given, the job description or résumé (cut to a fixed length)."""
    jd = state.options.job_description.strip()
    return {"role": state.role.name, "role_description": state.role.description[:300],
            "job_description_or_resume": (jd[:JD_CHARS] + (" […]" if len(jd) > JD_CHARS else "")) or None,
            "candidate_name": state.options.candidate_name or None}


def earlier_questions(state: SessionState, upto: int) -> list[str]:
    """One line per earlier question (topic, level, outcome); the oldest folded into a single line."""
    lines = []
    for n, asked in enumerate(state.asked[:upto], 1):
        q, a = asked.question, asked.assessment
        outcome = f"score {a.overall}/100" if a else asked.status
        missed = f"; missed: {', '.join(a.missing_points[:2])}" if a and a.missing_points else ""
        lines.append(f"Q{n} {q.kind.value}, level {asked.difficulty}, {q.topic or q.id}: {outcome}{missed}")
    if len(lines) <= SUMMARY_LINES:
        return lines
    old = [a.assessment.overall for a in state.asked[: upto - SUMMARY_LINES + 1] if a.assessment]
    mean = f"mean score {round(sum(old) / len(old))}/100" if old else "none scored"
    return [f"Q1-Q{upto - SUMMARY_LINES + 1}: {mean}", *lines[upto - SUMMARY_LINES + 1:]]


def rubric(question: Question) -> dict:
    """The question with what a strong answer covers."""
    return {"id": question.id, "kind": question.kind.value, "topic": question.topic,
            "talking_points": [{"id": p.id, "point": p.label, "weight": p.weight} for p in question.points]}


def pitfalls(question: Question) -> list[dict]:
    """The question's wrong claims and red flags, each with what is right: what contradicts a talking point."""
    return [{"kind": kind, "claim": _cut(f.claim, PITFALL_CHARS), "correction": _cut(f.correction, PITFALL_CHARS)}
            for kind, flaws in (("misconception", question.misconceptions), ("red_flag", question.red_flags)) for f in flaws]


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " […]"


def next_options(state: SessionState) -> dict[str, Question]:
    """Bank exemplars for the next question at one level harder, the same, and easier, keyed by 'when'."""
    step = len(state.asked)
    if step >= state.planned:
        return {}
    if state.kinds_plan[step] is Kind.coding:  # a coding exercise comes from the problem bank, asked as written
        problem = pick_problem(state)
        return {"same": problem} if problem is not None else {}
    pool = question_pool(state.role, state.options)
    used = {a.question.id for a in state.asked}
    options: dict[str, Question] = {}
    for delta, when in LEVELS.items():
        level = state.difficulty + delta
        if not 1 <= level <= 5:
            continue
        q = choose_question(pool, state.kinds_plan[step], level, used | {o.id for o in options.values()},
                            seed=state.options.seed, step=step, primary_role=state.role.id)
        if q is not None:
            options[when] = q
    return options


def turn_context(state: SessionState, current: AskedQuestion, detected: str, options: dict[str, Question]) -> dict:
    """Everything the interviewer needs for one turn, bounded in size."""
    index = len(state.asked) - 1
    q = current.question
    answers = [state.turns[i].message[:ANSWER_CHARS] for i in current.answers]
    last = state.turns[-1].reply if state.turns else state.opening
    return {
        **role_context(state),
        "progress": {"question": len(state.asked), "of": state.planned, "difficulty": state.difficulty,
                     "follow_ups_left": max(0, MAX_FOLLOW_UPS - len(current.follow_ups)), "hints_given": state.hints_given},
        "earlier_questions": earlier_questions(state, index),
        "current_question": {**rubric(q), "pitfalls": pitfalls(q), "text": q.text, "clarification": q.clarification,
                             "hint": q.hint, "follow_ups_asked": current.follow_ups},
        "answers_so_far": answers,
        "last_interviewer_message": last[-LAST_REPLY_CHARS:],
        "detected_intent": detected,
        "next_options": [{"when": when, **rubric(o), "level": o.difficulty, "exemplar": o.text} for when, o in options.items()],
    }


def opening_context(state: SessionState, question: Question) -> dict:
    """The role and the first question's exemplar."""
    return {**role_context(state), "questions_planned": state.planned,
            "first_question": {**rubric(question), "level": question.difficulty, "exemplar": question.text}}


def rescore_context(question: Question) -> dict:
    """The question, its rubric and its pitfalls, for judging an edited answer."""
    return {**rubric(question), "pitfalls": pitfalls(question), "text": question.text}


def coding_parts(state: SessionState, asked: AskedQuestion, turn: Turn, attempt: CodeAttempt | None = None) -> tuple[str, str]:
    """Split a coding turn's reply made in code into (what the model may reword, the question asked word for word).

    The question is whatever the code's reply ends with among: the next question, the closing
    words, a follow-up, the problem itself, or what to do after a failed submission ("" if none).
    """
    nxt = state.asked[-1] if state.asked[-1] is not asked else None
    candidates = [f"Next question: {ask_words(nxt.question)}" if nxt else "", END_WORDS,
                  retry_words(attempt) if attempt is not None else "", *reversed(asked.follow_ups), asked.question.text]
    required = next((c for c in candidates if c and turn.reply.endswith(c)), "")
    return turn.reply[: len(turn.reply) - len(required)].strip(), required


def coding_context(state: SessionState, asked: AskedQuestion, turn: Turn, said: str, required: str) -> dict:
    """A coding turn for the model to word: the problem, the test results, the decision and its words (no scores)."""
    problem, last = problem_of(asked), last_submission(work_of(asked))
    results = None if last is None else {
        "language": last.language, "verdict": last.verdict, "tests_passed": last.passed, "tests_total": last.total,
        "first_failure": last.first_failure, "large_input_ms": None if last.large_ms is None else round(last.large_ms)}
    return {
        "role": state.role.name, "candidate_name": state.options.candidate_name or None,
        "problem": {"title": problem.title, "statement": problem.statement,
                    "function": f"{problem.function}({', '.join(problem.params)})"},
        "last_submission": results,
        "candidate_sent": "code from the editor" if turn.input_mode == "code" else "a chat message",
        "intent": turn.intent.value,
        "decided_action": turn.action,
        "follow_up_topic": asked.asked_point_ids[-1] if turn.action == "follow_up" and asked.asked_point_ids else None,
        "reply_in_code": said,
        "asked_after_your_words": required[:ASKED_CHARS] + (" […]" if len(required) > ASKED_CHARS else ""),
    }
