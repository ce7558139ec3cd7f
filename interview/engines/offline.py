"""The embedded offline interviewer: the curated bank, rubric scoring in code, no network.

It reads the session and returns decisions (``interview.session.decisions``); the session service
applies them. It is also the engine the service falls back on when the LLM interviewer fails.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from ..bank import load_bank
from ..intents import Detection, IntentContext, detect_intent
from ..language import message as language_message
from ..models import AskedQuestion, Assessment, CodeAttempt, FlawNote, Intent, Question, Role, SessionState, TalkingPoint
from ..rubric import analyze
from ..session.decisions import Decision, FollowUp, Opening
from ..text import content_stems
from . import coding_turns
from .progress import advance, ask_words, pick

MAX_FOLLOW_UPS = 2  # follow-ups per question, in every engine
FLAW_PREFIX = "flaw:"  # asked_point_ids entry for a follow-up about a misconception or red flag
FOLLOW_UP_BELOW = 80  # an answer scoring this or more needs no follow-up
NO_MORE_HINTS = coding_turns.NO_MORE_HINTS


@lru_cache(maxsize=256)
def _stems(blob: str) -> frozenset[str]:
    return frozenset(content_stems(blob))


class OfflineInterviewer:
    """Runs the whole interview from the question bank with rubric scoring; needs no key."""

    name = "offline"

    def opening(self, state: SessionState) -> Opening:
        """Greet the candidate with the first question."""
        question = pick(state)
        if question is None:
            return Opening("I have no questions for this role; please choose another.", None, self.name)
        who = f", {state.options.candidate_name}" if state.options.candidate_name else ""
        return Opening(f"Hi{who}! I'll be your interviewer for this {state.role.name} practice interview. "
                       f"I'll ask {state.planned} questions, one at a time, and follow up where I'd like to hear more. "
                       "You can ask me to rephrase a question, give a hint, repeat it, skip it, or end early at any "
                       f"time.\n\nFirst question: {ask_words(question)}", question, self.name)

    def assess(self, question: Question, answer: str, role: Role) -> Assessment:
        """Score an answer with the rubric, checking it against the bank's other questions of the same role."""
        return analyze(question, answer, role_keywords=role.keywords, others=other_questions(question))

    def decide(self, state: SessionState, message: str) -> Decision:
        """Decide the reply to one message about the open question."""
        current = _open(state)
        detection = detect_intent(message, IntentContext(relevant_stems=set(context_stems(state, current))))
        if current.code is not None:
            decided = coding_turns.decide_message(state, current, message, detection.intent, self.name)
            if decided is not None:
                return decided
        handler = getattr(self, f"_on_{detection.intent.value}")
        return handler(state, current, message, detection)

    def decide_code(self, state: SessionState, attempt: CodeAttempt) -> Decision:
        """Decide the reply to a code submission (already judged) on the open coding question."""
        return coding_turns.decide_code(state, _open(state), attempt, self.name)

    # --- intents -------------------------------------------------------------------------
    def _on_answer(self, state: SessionState, current: AskedQuestion, message: str, _: Detection) -> Decision:
        index = len(state.turns)
        combined = "\n".join([*(state.turns[i].message for i in current.answers), message])
        assessment = self.assess(current.question, combined, state.role)
        if (redirect := _redirect(current, assessment)) is not None:  # said once per question, then it counts
            return _scored(Decision(Intent.answer, "stay", redirect, self.name), assessment)
        ack = _acknowledge(assessment.overall, index)
        if (flaw := _flaw_follow_up(current, assessment)) is not None:
            return _scored(Decision(Intent.answer, "follow_up", f"{_ack_neutral(index)} {flaw.follow_up}", self.name,
                                    follow_up=FollowUp(FLAW_PREFIX + flaw.id, flaw.follow_up)), assessment)
        if (point := _follow_up_point(current, assessment)) is not None:
            return _scored(Decision(Intent.answer, "follow_up", f"{ack} {point.follow_up}", self.name,
                                    follow_up=FollowUp(point.id, point.follow_up)), assessment)
        moved = advance(state, assessment.overall)
        return _scored(Decision(Intent.answer, moved.action, f"{ack} {moved.words}", self.name,
                                next_question=moved.question, difficulty=moved.difficulty), assessment)

    def _on_other_language(self, state, current, message, detection) -> Decision:
        return self._stay(Intent.other_language, f"{language_message(detection.matched)} {current.prompt}")

    def _on_skip(self, state, current, message, _) -> Decision:
        moved = advance(state, current.assessment.overall if current.assessment else None)
        return Decision(Intent.skip, moved.action, f"No problem, let's move on. {moved.words}", self.name,
                        next_question=moved.question, difficulty=moved.difficulty)

    def _on_end(self, state, current, message, _) -> Decision:
        return Decision(Intent.end, "end", "Understood, let's stop here. Your feedback report is ready.", self.name)

    def _on_clarify(self, state, current, message, _) -> Decision:
        if current.follow_ups and current.asked_point_ids[-1].startswith(FLAW_PREFIX):
            reply = f"Sure. I'd like you to look again at part of your answer and check it holds: {current.follow_ups[-1]}"
        elif current.follow_ups:
            point = _point(current.question, current.asked_point_ids[-1])
            reply = (f"Sure. In this follow-up I'd like to hear how your answer {_lower_first(point.label)}: "
                     f"{current.follow_ups[-1]}")
        else:
            reply = f"Sure, let me put it another way. {current.question.clarification}"
        return self._stay(Intent.clarify, reply)

    def _on_hint(self, state, current, message, _) -> Decision:
        nudges = _nudges(current)
        n = state.hints_given + 1
        return Decision(Intent.hint, "stay", nudges[n - 1] if n <= len(nudges) else NO_MORE_HINTS, self.name,
                        hint=True)

    def _on_repeat(self, state, current, message, _) -> Decision:
        return self._stay(Intent.repeat, f"Of course: {current.prompt}")

    def _on_off_topic(self, state, current, message, _) -> Decision:
        return self._stay(Intent.off_topic,
                          f"Ha, I appreciate the chat! Let's keep our focus on the interview, though. {current.prompt}")

    def _on_out_of_scope(self, state, current, message, _) -> Decision:
        return self._stay(Intent.out_of_scope, (
            f"That's outside what I can do here. I'm your interview practice partner: I ask {state.role.name} "
            "interview questions, rephrase or repeat them, give hints, skip them, and write you a feedback "
            f"report at the end. Back to the question: {current.prompt}"))

    def _on_manipulation(self, state, current, message, _) -> Decision:
        return self._stay(Intent.manipulation, (
            "I can't change the rules or the scoring: scores come only from what your answers show, and "
            f"that message does not count towards them. Let's continue: {current.prompt}"))

    def _on_empty(self, state, current, message, _) -> Decision:
        return self._stay(Intent.empty, f"I didn't catch an answer there. Take your time: {current.prompt}")

    def _on_gibberish(self, state, current, message, _) -> Decision:
        return self._stay(Intent.gibberish, (
            "Sorry, I couldn't make sense of that. Could you try again in full sentences? You can also ask "
            "me to rephrase the question, give a hint, or skip it."))

    def _stay(self, intent: Intent, words: str) -> Decision:
        return Decision(intent, "stay", words, self.name)


def _scored(decision: Decision, assessment: Assessment) -> Decision:
    """The decision about an answer: it is scored, and the question's assessment is this one."""
    return replace(decision, assessment=assessment, scored=True, score=assessment.overall)


def _open(state: SessionState) -> AskedQuestion:
    current = state.current
    if current is None:
        raise ValueError("an engine decides only about an open question; the session service checks this")
    return current


def _redirect(current: AskedQuestion, assessment: Assessment) -> str | None:
    """Say plainly when the answer repeats the question or answers another one (the first time only)."""
    if current.answers or not (assessment.echo or assessment.off_question):
        return None
    if assessment.echo:
        return f"You've repeated the question back to me; I'd like to hear your answer. {current.prompt}"
    return (f"That sounds like an answer to a different question (\"{assessment.off_question}\"). "
            f"This one asks: {current.prompt}")


def _flaw_follow_up(current: AskedQuestion, assessment: Assessment) -> FlawNote | None:
    """The first misconception or red flag not yet asked about, while follow-ups remain."""
    if len(current.follow_ups) >= MAX_FOLLOW_UPS:
        return None
    return next((f for f in assessment.flaws if FLAW_PREFIX + f.id not in current.asked_point_ids and f.follow_up),
                None)


def _follow_up_point(current: AskedQuestion, assessment: Assessment) -> TalkingPoint | None:
    if len(current.follow_ups) >= MAX_FOLLOW_UPS or assessment.overall >= FOLLOW_UP_BELOW:
        return None
    depth = assessment.dimension("depth").score
    candidates = [p for p in _unasked_missing(current, assessment) if p.weight >= 2 or depth <= 2]
    return candidates[0] if candidates else None


def _nudges(current: AskedQuestion) -> list[str]:
    """Hints in the order they are given: general first, then the point that matters most."""
    if current.follow_ups and current.asked_point_ids[-1].startswith(FLAW_PREFIX):
        return ["Here's a nudge: think again about whether what you said there is right, and why."]
    if current.follow_ups:  # the follow-up asks about one point: point the candidate at it
        point = _point(current.question, current.asked_point_ids[-1])
        return [f"Here's a nudge: I'm listening for how your answer {_lower_first(point.label)}."]
    missing = _unasked_missing(current, current.assessment) or sorted(current.question.points, key=lambda p: -p.weight)
    return [f"Here's a nudge: {current.question.hint}",
            f"Another nudge: a strong answer would touch on this: {_lower_first(missing[0].label)}."]


def _unasked_missing(current: AskedQuestion, assessment: Assessment | None) -> list[TalkingPoint]:
    """Missing points not yet asked about, most important first (all points before any answer)."""
    if assessment is None:
        return []
    return [_point(current.question, pid) for pid in assessment.missing_point_ids if pid not in current.asked_point_ids]


def _point(question: Question, point_id: str) -> TalkingPoint:
    return next(p for p in question.points if p.id == point_id)


def other_questions(question: Question) -> list[Question]:
    """The bank's other questions of the question's role: what an answer could have been meant for instead."""
    bank = load_bank().get(question.role_id)
    return [q for q in bank.questions if q.id != question.id] if bank else []


def context_stems(state: SessionState, current: AskedQuestion) -> frozenset[str]:
    """Return the word stems that make a message relevant to the current question (for intent detection)."""
    q = current.question
    return _stems(" ".join([q.text, q.clarification, *state.role.keywords,
                            *(k for p in q.points for k in p.keywords)]))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _ack_neutral(index: int) -> str:
    return ("Thanks.", "Okay, thank you.")[index % 2]


def _acknowledge(score: int, index: int) -> str:
    strong = ("Thank you, that's a clear and specific answer.", "Great, that's a well-grounded answer.")
    fair = ("Thanks, that helps.", "Okay, thank you.")
    weak = ("Thanks.", "Okay.")
    options = strong if score >= 75 else fair if score >= 45 else weak
    return options[index % 2]
