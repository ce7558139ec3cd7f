"""The embedded offline interviewer: the curated bank, rubric scoring in code, no network."""

from __future__ import annotations

from functools import lru_cache

from ..bank import load_bank
from ..coding.flow import INSTRUCTIONS, CodingTurns, attempted, new_asked, pick_problem
from ..intents import Detection, IntentContext, detect_intent
from ..models import Action, AskedQuestion, Assessment, Intent, Kind, Question, Role, SessionState, TalkingPoint, Turn
from ..plan import choose_question, next_difficulty, question_pool
from ..rubric import analyze
from ..text import content_stems

MAX_FOLLOW_UPS = 2
FLAW_PREFIX = "flaw:"  # asked_point_ids entry for a follow-up about a misconception or red flag
FOLLOW_UP_BELOW = 80  # an answer scoring this or more needs no follow-up


@lru_cache(maxsize=256)
def _stems(blob: str) -> frozenset[str]:
    return frozenset(content_stems(blob))


class OfflineInterviewer(CodingTurns):
    """Runs the whole interview from the question bank with rubric scoring; needs no key."""

    name = "offline"

    def open(self, state: SessionState) -> str:
        """Ask the first question."""
        question = self.pick(state)
        if question is None:
            state.status = "finished"
            return "I have no questions for this role; please choose another."
        state.asked.append(new_asked(question, state.difficulty))
        who = f", {state.options.candidate_name}" if state.options.candidate_name else ""
        return (f"Hi{who}! I'll be your interviewer for this {state.role.name} practice interview. "
                f"I'll ask {state.planned} questions, one at a time, and follow up where I'd like to hear more. "
                "You can ask me to rephrase a question, give a hint, repeat it, skip it, or end early at any time.\n\n"
                f"First question: {ask_words(question)}")

    def assess(self, question: Question, answer: str, role: Role) -> Assessment:
        """Score an answer with the rubric, checking it against the bank's other questions of the same role."""
        return analyze(question, answer, role_keywords=role.keywords, others=other_questions(question))

    def respond(self, state: SessionState, message: str) -> Turn:
        """Reply to one message."""
        current = state.current
        if current is None:
            raise ValueError("respond() needs an open question; the session service checks this")
        detection = detect_intent(message, IntentContext(relevant_stems=set(context_stems(state, current))))
        if current.code is not None and (turn := self.coding_respond(state, current, message, detection.intent)) is not None:
            return turn
        handler = getattr(self, f"_on_{detection.intent.value}")
        return handler(state, current, message, detection)

    # --- intents -------------------------------------------------------------------------
    def _on_answer(self, state, current: AskedQuestion, message: str, _: Detection) -> Turn:
        index = len(state.turns)
        combined = "\n".join([*(state.turns[i].message for i in current.answers), message])
        current.answers.append(index)
        assessment = self.assess(current.question, combined, state.role)
        current.assessment = assessment
        was_follow_up = bool(current.follow_ups)
        if (redirect := self._redirect(current, assessment)) is not None:  # said once per question, then it counts
            return self._turn(state, current, message, Intent.answer, redirect, "stay", scored=True,
                              score=assessment.overall, follow_up=was_follow_up)
        ack = _acknowledge(assessment.overall, index)
        if (flaw := self._flaw_follow_up(current, assessment)) is not None:
            current.follow_ups.append(flaw.follow_up)
            current.asked_point_ids.append(FLAW_PREFIX + flaw.id)
            state.hints_given = 0
            return self._turn(state, current, message, Intent.answer, f"{_ack_neutral(index)} {flaw.follow_up}", "follow_up",
                              scored=True, score=assessment.overall, follow_up=was_follow_up)
        point = self._follow_up_point(current, assessment)
        if point is not None:
            current.follow_ups.append(point.follow_up)
            current.asked_point_ids.append(point.id)
            state.hints_given = 0
            return self._turn(state, current, message, Intent.answer, f"{ack} {point.follow_up}", "follow_up",
                              scored=True, score=assessment.overall, follow_up=was_follow_up)
        current.status = "answered"
        reply, action = self._advance(state, assessment.overall)
        return self._turn(state, current, message, Intent.answer, f"{ack} {reply}", action,
                          scored=True, score=assessment.overall, follow_up=was_follow_up)

    def _redirect(self, current: AskedQuestion, assessment: Assessment) -> str | None:
        """Say plainly when the answer repeats the question or answers another one (the first time only)."""
        if len(current.answers) > 1 or not (assessment.echo or assessment.off_question):
            return None
        if assessment.echo:
            return f"You've repeated the question back to me; I'd like to hear your answer. {_prompt(current)}"
        return (f"That sounds like an answer to a different question (\"{assessment.off_question}\"). "
                f"This one asks: {_prompt(current)}")

    @staticmethod
    def _flaw_follow_up(current: AskedQuestion, assessment: Assessment):
        """The first misconception or red flag not yet asked about, while follow-ups remain."""
        if len(current.follow_ups) >= MAX_FOLLOW_UPS:
            return None
        return next((f for f in assessment.flaws if FLAW_PREFIX + f.id not in current.asked_point_ids and f.follow_up), None)

    def _on_other_language(self, state, current, message, detection):
        from ..language import message as language_message
        reply = f"{language_message(detection.matched)} {_prompt(current)}"
        return self._turn(state, current, message, Intent.other_language, reply, "stay")

    def _on_skip(self, state, current, message, _):
        current.status = "answered" if current.answers else "skipped"
        score = current.assessment.overall if current.assessment else None
        reply, action = self._advance(state, score)
        return self._turn(state, current, message, Intent.skip, f"No problem, let's move on. {reply}", action)

    def _on_end(self, state, current, message, _):
        current.status = "answered" if attempted(current) else "unanswered"
        state.status = "finished"
        reply = "Understood, let's stop here. Your feedback report is ready."
        return self._turn(state, current, message, Intent.end, reply, "end")

    def _on_clarify(self, state, current, message, _):
        if current.follow_ups and current.asked_point_ids[-1].startswith(FLAW_PREFIX):
            reply = f"Sure. I'd like you to look again at part of your answer and check it holds: {current.follow_ups[-1]}"
        elif current.follow_ups:
            point = self._point(current.question, current.asked_point_ids[-1])
            reply = f"Sure. In this follow-up I'd like to hear how your answer {_lower_first(point.label)}: {current.follow_ups[-1]}"
        else:
            reply = f"Sure, let me put it another way. {current.question.clarification}"
        return self._turn(state, current, message, Intent.clarify, reply, "stay")

    def _on_hint(self, state, current, message, _):
        state.hints_given += 1
        nudges = self._nudges(current)
        reply = (nudges[state.hints_given - 1] if state.hints_given <= len(nudges) else
                 "That's all the hints I have for this one. Give it your best try, or say \"skip\" to move on.")
        return self._turn(state, current, message, Intent.hint, reply, "stay")

    def _nudges(self, current: AskedQuestion) -> list[str]:
        """Hints in the order they are given: general first, then the point that matters most."""
        if current.follow_ups and current.asked_point_ids[-1].startswith(FLAW_PREFIX):
            return ["Here's a nudge: think again about whether what you said there is right, and why."]
        if current.follow_ups:  # the follow-up asks about one point: point the candidate at it
            point = self._point(current.question, current.asked_point_ids[-1])
            return [f"Here's a nudge: I'm listening for how your answer {_lower_first(point.label)}."]
        missing = self._unasked_missing(current, current.assessment) or sorted(current.question.points, key=lambda p: -p.weight)
        return [f"Here's a nudge: {current.question.hint}",
                f"Another nudge: a strong answer would touch on this: {_lower_first(missing[0].label)}."]

    def _on_repeat(self, state, current, message, _):
        return self._turn(state, current, message, Intent.repeat, f"Of course: {_prompt(current)}", "stay")

    def _on_off_topic(self, state, current, message, _):
        reply = f"Ha, I appreciate the chat! Let's keep our focus on the interview, though. {_prompt(current)}"
        return self._turn(state, current, message, Intent.off_topic, reply, "stay")

    def _on_out_of_scope(self, state, current, message, _):
        reply = (f"That's outside what I can do here. I'm your interview practice partner: I ask {state.role.name} "
                 "interview questions, rephrase or repeat them, give hints, skip them, and write you a feedback "
                 f"report at the end. Back to the question: {_prompt(current)}")
        return self._turn(state, current, message, Intent.out_of_scope, reply, "stay")

    def _on_manipulation(self, state, current, message, _):
        reply = ("I can't change the rules or the scoring: scores come only from what your answers show, and "
                 f"that message does not count towards them. Let's continue: {_prompt(current)}")
        return self._turn(state, current, message, Intent.manipulation, reply, "stay")

    def _on_empty(self, state, current, message, _):
        reply = f"I didn't catch an answer there. Take your time: {_prompt(current)}"
        return self._turn(state, current, message, Intent.empty, reply, "stay")

    def _on_gibberish(self, state, current, message, _):
        reply = ("Sorry, I couldn't make sense of that. Could you try again in full sentences? You can also ask "
                 "me to rephrase the question, give a hint, or skip it.")
        return self._turn(state, current, message, Intent.gibberish, reply, "stay")

    # --- helpers -------------------------------------------------------------------------
    def _advance(self, state: SessionState, score: int | None) -> tuple[str, Action]:
        """Move to the next question (or finish), adjusting difficulty by the last score."""
        before = state.difficulty
        state.difficulty = next_difficulty(before, score)
        state.hints_given = 0
        if len(state.asked) >= state.planned or (question := self.pick(state)) is None:
            state.status = "finished"
            return "That was my last question. Thank you! Your feedback report is ready.", "end"
        state.asked.append(new_asked(question, state.difficulty))
        step = ("Let's step it up a level. " if state.difficulty > before else
                "Let's try one at a gentler level. " if state.difficulty < before else "")
        return f"{step}Next question: {ask_words(question)}", "next_question"

    def pick(self, state: SessionState) -> Question | None:
        """Choose the next question from the bank for the planned kind at the current difficulty."""
        step = len(state.asked)
        if step >= state.planned:
            return None
        if state.kinds_plan[step] is Kind.coding:
            return pick_problem(state)
        used = {a.question.id for a in state.asked}
        return choose_question(question_pool(state.role, state.options), state.kinds_plan[step], state.difficulty,
                               used, seed=state.options.seed, step=step, primary_role=state.role.id)

    def _follow_up_point(self, current: AskedQuestion, assessment: Assessment) -> TalkingPoint | None:
        if len(current.follow_ups) >= MAX_FOLLOW_UPS or assessment.overall >= FOLLOW_UP_BELOW:
            return None
        depth = assessment.dimension("depth").score
        candidates = [p for p in self._unasked_missing(current, assessment) if p.weight >= 2 or depth <= 2]
        return candidates[0] if candidates else None

    def _unasked_missing(self, current: AskedQuestion, assessment: Assessment | None) -> list[TalkingPoint]:
        """Missing points not yet asked about, most important first (all points before any answer)."""
        if assessment is None:
            return []
        return [self._point(current.question, pid) for pid in assessment.missing_point_ids
                if pid not in current.asked_point_ids]

    @staticmethod
    def _point(question: Question, point_id: str) -> TalkingPoint:
        return next(p for p in question.points if p.id == point_id)

    def _turn(self, state, current, message, intent, reply, action, *, scored=False, score=None, follow_up=False) -> Turn:
        return record_turn(state, current, message, intent, reply, action, engine=self.name, scored=scored, score=score, follow_up=follow_up)


def other_questions(question: Question) -> list[Question]:
    """The bank's other questions of the question's role: what an answer could have been meant for instead."""
    bank = load_bank().get(question.role_id)
    return [q for q in bank.questions if q.id != question.id] if bank else []


def record_turn(state: SessionState, current: AskedQuestion, message: str, intent: Intent, reply: str, action: Action, *,
                engine: str, scored: bool = False, score: int | None = None, follow_up: bool = False, notice: str = "") -> Turn:
    """Append a turn about ``current`` to the state and return it."""
    question_index = next(i for i, a in enumerate(state.asked) if a is current)
    turn = Turn(index=len(state.turns), question_index=question_index, question_id=current.question.id, message=message,
                intent=intent, reply=reply, action=action, follow_up=follow_up, scored=scored, score=score,
                difficulty=state.difficulty, engine=engine, notice=notice)
    state.turns.append(turn)
    return turn


def context_stems(state: SessionState, current: AskedQuestion) -> frozenset[str]:
    """Return the word stems that make a message relevant to the current question (for intent detection)."""
    q = current.question
    return _stems(" ".join([q.text, q.clarification, *state.role.keywords, *(k for p in q.points for k in p.keywords)]))


def ask_words(question: Question) -> str:
    """How a question is put: a coding exercise comes with what to do in the editor."""
    return f"{question.text}\n\n{INSTRUCTIONS}" if question.kind is Kind.coding else question.text


def _prompt(current: AskedQuestion) -> str:
    """The words the candidate is currently answering: the last follow-up, or the question."""
    return current.follow_ups[-1] if current.follow_ups and current.status == "open" else current.question.text


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
