"""The LLM interviewer: one streamed call per turn that both assesses the answer and writes what comes next.

Guarantees kept from the offline engine: every question is backed by a bank question (its talking
points are the rubric, its id prevents repeats), every score is computed in code (the model only
judges each talking point covered, contradicted or absent, with a verbatim quote; the rubric
verifies the quotes and applies its formula and caps, and no dimension stands more than a level
above the rubric's own score unless quotes about the credited points carry it: ``llm_bounds``),
difficulty follows the same rule, and manipulation, empty messages, repeats and ending are handled
in code before any call (by ``rules``, the offline engine's decisions). The engine never changes the
session: it returns a ``Decision`` that the session service applies. Any failure (after bounded
retries) raises ``LLMError``; the session service then has the offline engine decide the turn and
shows a notice.

On a coding exercise the turn (scores, follow-up, next question) is decided in code by the shared
coding logic first; one streamed call then words what the interviewer says before the question,
which is appended word for word. If that call fails, the service falls back to the words made in code.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from typing import TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import ValidationError

from .. import prompts
from ..coding.flow import is_coding
from ..errors import LLMConnectionError, LLMError, LLMOutputError, LLMPaused, LLMTimeout
from ..intents import IntentContext, detect_intent
from ..models import Action, AskedQuestion, Assessment, CodeAttempt, Intent, Question, Role, SessionState, TalkingPoint
from ..plan import next_difficulty
from ..session import transitions
from ..session.decisions import Decision, FollowUp, Opening
from .base import Chunk, Notice
from .groq_client import translate
from .llm_bounds import bounded
from .llm_context import (
    CODE_CHARS,
    MAX_FOLLOW_UPS,
    coding_context,
    coding_parts,
    dumps,
    fence,
    next_options,
    opening_context,
    rescore_context,
    turn_context,
)
from .llm_output import CodingOut, Judged, OpeningOut, SpokenStreamer, TurnOut, describe, extract_json, summary_problem
from .offline import OfflineInterviewer, context_stems, other_questions
from .progress import ask_words, pick
from .resilience import CircuitBreaker, RetryPolicy

log = logging.getLogger(__name__)

IN_CODE = {Intent.empty, Intent.manipulation, Intent.end, Intent.repeat, Intent.other_language}  # no call: the rules are fixed
MAX_SUMMARY_CHARS = 1500
R = TypeVar("R")


class LLMInterviewer:
    """An interviewer on a LangChain chat model (ChatGroq in production, fake chat models in tests)."""

    def __init__(self, chat, *, name: str = "groq", model: str = "", breaker: CircuitBreaker | None = None,
                 retry: RetryPolicy | None = None, turn_budget: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 require_finish_reason: bool = False, rules: OfflineInterviewer | None = None) -> None:
        self.chat = chat
        self.name = name
        self.model = model
        self.rules = rules or OfflineInterviewer()  # the decisions fixed in code (not a fallback: the service owns that)
        self.breaker = breaker or CircuitBreaker()
        self.retry = retry or RetryPolicy()
        self.turn_budget = turn_budget
        self._clock, self._sleep = clock, sleep
        self.require_finish_reason = require_finish_reason  # Groq ends every complete stream with one

    # --- protocol ----------------------------------------------------------------------------
    def opening(self, state: SessionState) -> Opening:
        """The first question: a bank question in the model's words; raise LLMError if the call fails."""
        question = pick(state)
        if question is None or is_coding(question):  # a coding exercise opens as written
            return self.rules.opening(state)
        messages = [SystemMessage(prompts.OPENING_SYSTEM),
                    HumanMessage(prompts.OPENING_TEMPLATE.format(context=dumps(opening_context(state, question))))]
        out = self._guarded(lambda: self._complete_valid(messages, lambda d: OpeningOut.model_validate(d)))
        text = out.ask.strip() if len(out.ask.strip()) >= 10 else question.text
        words = "\n\n".join(p for p in (out.say.strip(), text) if p)
        return Opening(words, question.model_copy(update={"text": text}), self.name)

    def decide(self, state: SessionState, message: str) -> Decision:
        """Decide the reply to one message (the streamed reply, collected)."""
        return _collect(self.stream(state, message))

    def stream(self, state: SessionState, message: str) -> Generator[Chunk, None, Decision]:
        """Decide the reply to one message, yielding its words as the model writes them; raise LLMError on failure."""
        current = _open(state)
        detected = detect_intent(message, IntentContext(relevant_stems=set(context_stems(state, current)))).intent
        if detected in IN_CODE:
            decision = self.rules.decide(state, message)
            yield decision.words
            return decision
        if current.code is not None:  # decided by the shared coding logic, then worded by the model
            return (yield from self._worded(state, self.rules.decide(state, message), message))
        try:
            self._check_breaker()
            for chunk in self._llm_turn(state, current, message, detected):
                if isinstance(chunk, Decision):
                    self.breaker.succeeded()
                    return chunk
                yield chunk
            raise LLMOutputError("The AI interviewer's reply ended early.")
        except LLMError as err:
            self._failed(err)
            raise

    def decide_code(self, state: SessionState, attempt: CodeAttempt) -> Decision:
        """Decide the reply to a judged submission (scored and decided in code), in the model's words."""
        return _collect(self.stream_code(state, attempt))

    def stream_code(self, state: SessionState, attempt: CodeAttempt) -> Generator[Chunk, None, Decision]:
        """Like ``decide_code``, yielding the reply's words as the model writes them."""
        return (yield from self._worded(state, self.rules.decide_code(state, attempt), attempt.code))

    def assess(self, question: Question, answer: str, role: Role) -> Assessment:
        """Score an answer from the model's verdicts on its talking points (quotes verified, scores computed); the rubric alone if that fails."""
        if is_coding(question):
            raise ValueError("A coding exercise is scored by interview.coding.flow.assess (tests and explanation), not the answer rubric.")
        context = prompts.RESCORE_TEMPLATE.format(context=dumps(rescore_context(question)), answer=fence(answer))
        messages = [SystemMessage(prompts.RESCORE_SYSTEM), HumanMessage(context)]
        point_ids = {p.id for p in question.points}

        def valid(data: dict) -> Judged:
            judged = Judged.model_validate(data, context={"point_ids": point_ids})
            if problem := judged.missing_problem(point_ids):
                raise ValueError(problem)
            return judged

        judged = self._guarded(lambda: self._complete_valid(messages, valid))  # LLMError: the service uses the rubric
        return self._scored(question, answer, role, judged)

    def _scored(self, question: Question, answer: str, role: Role, judged: Judged) -> Assessment:
        """The rubric's assessment with the model's verdicts deciding the talking points, bounded by the rubric's evidence."""
        return bounded(question, answer, role_keywords=role.keywords, verdicts=judged.verdicts(),
                       others=other_questions(question)).model_copy(update={"scored_by": self.name})

    def summarize(self, state: SessionState, facts: dict) -> str | None:
        """Write the report's narrative from facts computed in code; None when the model is unavailable."""
        messages = [SystemMessage(prompts.SUMMARY_SYSTEM), HumanMessage(prompts.SUMMARY_TEMPLATE.format(facts=dumps(facts)))]

        def valid(text: str) -> str:
            text = " ".join(text.split())
            if len(text) < 40:
                raise LLMOutputError("The summary was empty or too short to use.")
            if problem := summary_problem(text, facts):  # the scores were computed in code: the words may not change them
                raise LLMOutputError(f"The summary could not be used ({problem}).")
            return text[:MAX_SUMMARY_CHARS]

        try:
            return self._guarded(lambda: valid(self._complete(messages)))
        except LLMError as err:
            log.warning("LLM summary fell back to the one made in code: %s", err)
            return None

    # --- one turn ----------------------------------------------------------------------------
    def _llm_turn(self, state: SessionState, current: AskedQuestion, message: str,
                  detected: Intent) -> Iterator[Chunk | Decision]:
        """Yield spoken words, then the decision (once the reply has validated); raise LLMError on failure."""
        options = next_options(state)
        checks = {"point_ids": {p.id for p in current.question.points}, "offered_ids": [q.id for q in options.values()],
                  "follow_ups_left": MAX_FOLLOW_UPS - len(current.follow_ups)}
        context = turn_context(state, current, detected.value, options)
        messages: list[BaseMessage] = [SystemMessage(prompts.INTERVIEWER_SYSTEM),
                                       HumanMessage(prompts.TURN_TEMPLATE.format(context=dumps(context), message=fence(message)))]
        out, said = yield from self._stream_valid(
            messages, lambda: SpokenStreamer(check=lambda d: TurnOut.model_validate({**d, "say": "", "ask": ""}, context=checks)),
            lambda d: TurnOut.model_validate(d, context=checks))
        decision = self._decision(state, current, message, out, {q.id: q for q in options.values()})
        yield from _rest_of(decision.words, said)
        yield decision

    # --- a coding turn -----------------------------------------------------------------------
    def _worded(self, state: SessionState, decision: Decision, message: str) -> Generator[Chunk, None, Decision]:
        """Have the model word a coding turn already decided in code; raise LLMError if it cannot.

        The model writes only what comes before the decided question; the question is appended
        word for word, and nothing the model writes touches the decision.
        """
        preview = state.model_copy(deep=True)  # the session as it will be once the decision is applied
        turn = transitions.apply(preview, decision, message)
        asked = preview.asked[turn.question_index]
        attempt = asked.code.attempts[-1] if decision.attempt is not None and asked.code is not None else None
        said, required = coding_parts(preview, asked, turn, attempt)
        context = coding_context(preview, asked, turn, said, required)
        fenced = fence(message[:CODE_CHARS])
        messages: list[BaseMessage] = [SystemMessage(prompts.CODING_SYSTEM),
                                       HumanMessage(prompts.CODING_TEMPLATE.format(context=dumps(context), message=fenced))]
        last = context["last_submission"]
        counts = {last["tests_passed"], last["tests_total"], last["tests_total"] - last["tests_passed"]} if last else set()
        checks = {"facts": f"{dumps(context)} {turn.reply} {fenced}", "required": required, "counts": counts}
        try:
            self._check_breaker()
            out, shown = yield from self._stream_valid(messages, lambda: SpokenStreamer(keys=("say",)),
                                                       lambda d: CodingOut.model_validate(d, context=checks))
            self.breaker.succeeded()
        except LLMError as err:
            self._failed(err)
            raise
        worded = decision.worded("\n\n".join(p for p in (out.say, required) if p), self.name)
        yield from _rest_of(worded.words, shown)
        return worded

    def _failed(self, err: LLMError) -> None:
        """Count a failed turn against the circuit breaker (a pause is not a new failure)."""
        if not isinstance(err, LLMPaused):
            self.breaker.failed(err)
        log.warning("LLM turn failed; the offline engine decides it: %s", err)

    def _decision(self, state: SessionState, current: AskedQuestion, message: str, out: TurnOut,
                  offered: dict[str, Question]) -> Decision:
        """A validated reply as a decision: score, follow-up, next question or end (kept consistent in code)."""
        intent = out.intent
        scored = intent is Intent.answer
        assessment = None
        if scored:
            answer = "\n".join([*(state.turns[i].message for i in current.answers), message])
            assessment = self._scored(current.question, answer, state.role, out)
        latest = assessment or current.assessment
        action = _coerce(intent, out.action, current, latest, bool(offered))
        say, ask = out.say.strip(), out.ask.strip()
        follow_up, question, difficulty = None, None, None
        if action == "follow_up":
            point = next((p for p in current.question.points if p.id == out.follow_up_point), None) or _top_missing(
                current, latest)
            ask = ask if len(ask) >= 10 else point.follow_up
            follow_up = FollowUp(point.id, ask)
        elif action == "next_question":
            difficulty = next_difficulty(state.difficulty, latest.overall if latest else None)
            question, ask = _next_question(state, out, ask, offered)
        elif action == "end":
            if not say and not ask:
                say = "Thank you, that's the end of the interview. Your feedback report is ready."
        else:
            ask = ask or current.prompt
        words = "\n\n".join(p for p in (say, ask) if p)
        return Decision(intent, action, words, self.name, assessment=assessment, scored=scored,
                        score=assessment.overall if assessment else None, follow_up=follow_up,
                        next_question=question, difficulty=difficulty, hint=action == "stay" and intent is Intent.hint)

    # --- calls -------------------------------------------------------------------------------
    def _stream_valid(self, messages: list[BaseMessage], new_streamer: Callable[[], SpokenStreamer],
                      parse: Callable[[dict], object]) -> Generator[str, None, tuple]:
        """Stream a call and parse its JSON reply; retry once, unseen, if it is invalid before any word went out.

        Return (parsed reply, the words shown); raise LLMError when no usable reply came.
        """
        deadline = self._clock() + self.turn_budget  # one budget for the turn, retries included
        for attempt in (1, 2):
            streamer = new_streamer()
            text = yield from self._stream_call(messages, streamer, deadline)
            try:
                return parse(extract_json(text)), streamer.said
            except (ValueError, ValidationError) as exc:
                problem = describe(exc)
                if streamer.released or attempt == 2:
                    raise LLMOutputError(f"The AI interviewer's reply could not be used ({problem}).") from None
                log.info("LLM reply invalid, retrying once: %s", problem)
                messages = [*messages, AIMessage(text[:3000]), HumanMessage(prompts.RETRY_TEMPLATE.format(problem=problem))]
        raise AssertionError("unreachable")  # pragma: no cover

    def _stream_call(self, messages: list[BaseMessage], streamer: SpokenStreamer, deadline: float) -> Generator[str, None, str]:
        """Stream one call, yielding released words; retry transport failures before any word is shown; stop at the deadline."""
        for attempt in range(1, self.retry.retries + 2):
            text, finished, reason = [], False, None
            try:
                with closing(self.chat.stream(messages)) as chunks:
                    for chunk in chunks:
                        piece = chunk.content if isinstance(chunk.content, str) else ""
                        text.append(piece)
                        if (spoken := streamer.feed(piece)):
                            yield spoken
                        reason = chunk.response_metadata.get("finish_reason") or reason
                        if reason == "length":
                            raise LLMOutputError("The AI interviewer's reply was cut off at the length limit.")
                        if self._clock() > deadline:
                            raise LLMTimeout(f"The AI interviewer took longer than {self.turn_budget:.0f} s.")
                if reason is None and self.require_finish_reason:
                    raise LLMConnectionError("The AI interviewer's reply stopped before it was complete.")
                finished = True
                return "".join(text)
            except Exception as exc:  # noqa: BLE001 - library errors are translated at this boundary
                err = translate(exc)
                wait = None if streamer.released else self.retry.wait_before(attempt, err)
                if wait is None or self._clock() + wait > deadline:
                    raise err from None
                log.info("LLM call failed (%s); retry %d in %.1f s", type(err).__name__, attempt, wait)
                streamer.reset()
                self._sleep(wait)
            finally:
                if not finished:
                    _release_abandoned_stream()
        raise AssertionError("unreachable")  # pragma: no cover

    def _complete(self, messages: list[BaseMessage], deadline: float | None = None) -> str:
        """Run a call to the end and return its text (same retries, nothing streamed)."""
        return _collect(self._stream_call(messages, SpokenStreamer(keys=()), deadline or self._clock() + self.turn_budget))

    def _complete_valid(self, messages: list[BaseMessage], parse: Callable[[dict], object]):
        """Call, parse the JSON reply, and retry once with the validation error before giving up."""
        deadline = self._clock() + self.turn_budget
        for attempt in (1, 2):
            text = self._complete(messages, deadline)
            try:
                return parse(extract_json(text))
            except (ValueError, ValidationError) as exc:
                if attempt == 2:
                    raise LLMOutputError(f"The AI interviewer's reply could not be used ({describe(exc)}).") from None
                messages = [*messages, AIMessage(text[:3000]), HumanMessage(prompts.RETRY_TEMPLATE.format(problem=describe(exc)))]
        raise AssertionError("unreachable")  # pragma: no cover

    def _guarded(self, call: Callable[[], object]):
        """Run a call through the circuit breaker."""
        if self.breaker.is_open():
            raise LLMPaused(f"The AI interviewer is paused for {self.breaker.remaining():.0f} s after repeated problems.")
        try:
            result = call()
        except LLMError as err:
            self.breaker.failed(err)
            raise
        self.breaker.succeeded()
        return result

    def _check_breaker(self) -> None:
        """Raise LLMPaused while the circuit breaker is open."""
        if self.breaker.is_open():
            raise LLMPaused(f"The AI interviewer is paused for {self.breaker.remaining():.0f} s after repeated problems "
                            f"({self.breaker.reason.rstrip('.')}).")



def _collect(gen: Generator[object, None, R]) -> R:
    """Run a generator to the end and return its return value."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def _rest_of(reply: str, shown: str) -> Iterator[Chunk]:
    """Yield what completes the words already shown into the final reply (or clear them and show it all)."""
    if not reply.startswith(shown):  # the model's words were not all usable: show the final reply
        yield Notice("")
        yield reply
    elif extra := reply[len(shown):]:
        yield extra


def _release_abandoned_stream() -> None:
    """Finalise a stream we stopped reading, here and now.

    LangChain keeps the error of an interrupted stream in a reference cycle, so the HTTP response
    would be closed later by the garbage collector, possibly while this thread holds httpcore's
    (non-reentrant) pool lock for the next request: a deadlock. Collecting now closes it safely.
    """
    gc.collect()


def _coerce(intent: Intent, action: Action, current: AskedQuestion, latest: Assessment | None, more: bool) -> Action:
    """Keep the action consistent with the intent and the plan, whatever the model said."""
    if intent is Intent.end:
        return "end"
    if intent is Intent.skip:
        return "next_question" if more else "end"
    if intent is not Intent.answer:
        return "stay"
    if action == "stay":
        missing = latest.missing_point_ids if latest is not None else []
        action = "follow_up" if len(current.follow_ups) < MAX_FOLLOW_UPS and missing else "next_question"
    if action == "next_question" and not more:
        return "end"
    return action


def _top_missing(current: AskedQuestion, latest: Assessment | None) -> TalkingPoint:
    missing = latest.missing_point_ids if latest else []
    unasked = [pid for pid in missing if pid not in current.asked_point_ids] or missing or [current.question.points[0].id]
    return next(p for p in current.question.points if p.id == unasked[0])


def _next_question(state: SessionState, out: TurnOut, ask: str, offered: dict[str, Question]) -> tuple[Question, str]:
    """The next question (a bank exemplar, in the model's words unless they repeat one asked) and how it is put."""
    exemplar = offered.get(out.next_question_id or "") or next(iter(offered.values()))
    if is_coding(exemplar):  # a coding exercise is put exactly as written, with what to do in the editor
        return exemplar, ask_words(exemplar)
    asked_before = {" ".join(a.question.text.lower().split()) for a in state.asked}
    ask = ask if len(ask) >= 10 and " ".join(ask.lower().split()) not in asked_before else exemplar.text
    return exemplar.model_copy(update={"text": ask}), ask


def _open(state: SessionState) -> AskedQuestion:
    current = state.current
    if current is None:
        raise ValueError("an engine decides only about an open question; the session service checks this")
    return current
