"""The session service: start an interview, submit messages, correct answers, finish with a report.

The UI, the CLI, the REST API and the tests all go through this class. Each turn is load -> decide
-> apply -> save: the engine decides (it never changes the session), ``session.transitions``
applies the decision to a copy of the session, the copy is saved, and only then handed back, so a
turn is persisted before anyone acknowledges it and a failed turn leaves the session as it was.
The service owns the fallback: when the LLM engine fails a turn, the offline engine decides it,
with a notice, and each turn records the engine that decided it.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime

from . import language, semantic
from .bank import find_role, load_bank
from .coding import flow
from .coding.judge import Judge, default_judge
from .engines.base import Chunk, DecisionStream, Interviewer, Notice, StreamingInterviewer, fallback_notice, get_engine
from .engines.offline import OfflineInterviewer, other_questions
from .errors import CodeExecutionDisabled, LLMError, NotCodingQuestion, SessionConflict, SessionError, SessionFinished, TurnNotFound
from .generic import generic_question, guess_kind
from .models import (
    LANGUAGE_NAMES,
    AskedQuestion,
    Assessment,
    CodeAttempt,
    DeliveryMetrics,
    Intent,
    InterviewOptions,
    Language,
    Question,
    Report,
    Role,
    SessionState,
    TestReport,
    Turn,
)
from .plan import kinds_plan, resolve_role
from .report import build_report, summary_facts
from .rubric import bank_texts
from .session import transitions
from .session.decisions import Decision
from .store import MemoryStore, SessionStore


@dataclass(frozen=True)
class SubmitResult:
    """What submitting a message did."""

    state: SessionState
    turn: Turn
    notice: str = ""

    @property
    def finished(self) -> bool:
        """Return True when the interview is over."""
        return self.state.status == "finished"


class TurnStream:
    """The reply to one message as it arrives: iterate for words (str) and notices; then read ``result``.

    A ``Notice`` chunk means: drop the words shown so far for this turn and show the notice (the
    turn fell back to another engine). The session is saved before ``result`` is set.
    """

    def __init__(self, chunks: Generator[Chunk, None, SubmitResult]) -> None:
        self._chunks = chunks
        self.result: SubmitResult | None = None

    def __iter__(self):
        self.result = yield from self._chunks

    def wait(self) -> SubmitResult:
        """Consume the stream and return the result."""
        for _ in self:
            pass
        if self.result is None:  # iterated (or closed) before: a finished stream gives its result only once
            raise SessionError("This reply was already read or stopped; load the session to see the turn.")
        return self.result

    def close(self) -> None:
        """Stop early (the page was interrupted): the HTTP stream underneath is closed now, not by the GC."""
        self._chunks.close()


def _after_notices(chunks: DecisionStream, prefix: str) -> DecisionStream:
    """Pass chunks through, repeating ``prefix`` after each Notice (which clears what was shown)."""
    try:
        while True:
            try:
                chunk = next(chunks)
            except StopIteration as stop:
                return stop.value
            yield chunk
            if prefix and isinstance(chunk, Notice):
                yield prefix
    finally:
        chunks.close()  # when the caller stops early, the engine's HTTP stream closes now


def _copy(state: SessionState) -> SessionState:
    """Return an independent copy to work on (a JSON round trip: twice as fast as deepcopy here)."""
    return SessionState.model_validate_json(state.model_dump_json())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


LANGUAGES = tuple(LANGUAGE_NAMES)
MAX_CODE_CHARS = 20_000
_SANDBOX = object()


class InterviewService:
    """Runs interviews on one engine and keeps every turn in a store.

    ``judge`` runs candidates' code (default: the sandbox); ``None`` turns code execution off, and
    submissions are then recorded and discussed but never run. ``fallback`` decides the turns the
    engine fails (default: the offline engine).
    """

    def __init__(self, engine: Interviewer | None = None, store: SessionStore | None = None,
                 *, max_message_chars: int = 4000, judge: Judge | None | object = _SANDBOX,
                 fallback: Interviewer | None = None) -> None:
        self.engine = engine or get_engine("offline")
        self.fallback = fallback or OfflineInterviewer()
        self.store = store or MemoryStore()
        self.max_message_chars = max_message_chars
        self.judge: Judge | None = default_judge() if judge is _SANDBOX else judge  # type: ignore[assignment]

    def start(self, options: InterviewOptions) -> SessionState:
        """Plan an interview, ask the first question, save it, and return the new session."""
        role = resolve_role(options)
        state = SessionState(id=uuid.uuid4().hex, created_at=_now(), options=options, role=role,
                             engine=self.engine.name, kinds_plan=kinds_plan(options, technical=role.technical), difficulty=options.start_difficulty)
        try:
            opening = self.engine.opening(state)
        except LLMError as err:
            opening = self.fallback.opening(state).with_notice(fallback_notice(err))
        transitions.open_interview(state, opening)
        if state.current is not None:  # embed what the first answer is compared with while the candidate reads
            semantic.prefetch(bank_texts([state.current.question, *other_questions(state.current.question)]))
        return self._save(state)

    def submit(self, state: SessionState, message: str, *, delivery: DeliveryMetrics | None = None) -> SubmitResult:
        """Handle one candidate message and return the updated session with the interviewer's turn."""
        return self.submit_stream(state, message, delivery=delivery).wait()

    def submit_stream(self, state: SessionState, message: str, *, delivery: DeliveryMetrics | None = None) -> TurnStream:
        """Handle one message, streaming the reply; a streamed message is saved before any reply word shows.

        ``delivery`` marks a spoken message: its measured delivery goes into the turn and the report.
        """
        if state.status == "finished" or state.current is None:
            raise SessionFinished("This interview has ended. Open the report, or start a new interview.")
        if not isinstance(message, str):
            raise SessionError("A message must be text.")
        notice = ""
        if len(message) > self.max_message_chars:
            message = message[: self.max_message_chars]
            notice = f"Your message was longer than {self.max_message_chars:,} characters, so only the first {self.max_message_chars:,} were kept."
        work = _copy(state)
        streamer = self.engine if isinstance(self.engine, StreamingInterviewer) else None
        if streamer is not None:
            work.pending, work.pending_delivery = message, delivery
            try:
                self._save(work)
            except SessionConflict:  # our own interrupted send of this message moved the version on: resend it
                stored = self.store.load(state.id)
                if stored.pending != message or len(stored.turns) != len(state.turns):
                    raise
                work = stored
                work.pending, work.pending_delivery = message, delivery
                self._save(work)
        return TurnStream(self._reply(work, message, notice, streamer, delivery))

    def _reply(self, work: SessionState, message: str, notice: str, streamer: StreamingInterviewer | None,
               delivery: DeliveryMetrics | None) -> Generator[Chunk, None, SubmitResult]:
        if notice:
            yield f"({notice}) "
        if streamer is not None:
            decision = yield from _after_notices(self._stream(streamer, work, message), f"({notice}) " if notice else "")
        else:
            decision = self._decide(work, message)
            yield decision.words
        turn = transitions.apply(work, decision, message)
        if notice:
            turn.truncated = True
            turn.reply = f"({notice}) {turn.reply}"
        if delivery is not None:
            turn.input_mode, turn.delivery = "voice", delivery
        work.pending, work.pending_delivery = None, None
        return SubmitResult(state=self._save(work), turn=turn, notice=notice)

    def _decide(self, work: SessionState, message: str) -> Decision:
        try:
            return self.engine.decide(work, message)
        except LLMError as err:
            return self.fallback.decide(work, message).with_notice(fallback_notice(err))

    def _stream(self, streamer: StreamingInterviewer, work: SessionState, message: str) -> DecisionStream:
        """The engine's streamed decision; when it fails, a Notice and the fallback engine's decision."""
        try:
            return (yield from streamer.stream(work, message))
        except LLMError as err:
            decision = self.fallback.decide(work, message).with_notice(fallback_notice(err))
            yield Notice(decision.notice)
            yield decision.words
            return decision

    # --- coding questions -------------------------------------------------------------------
    def run_code(self, state: SessionState, code: str, language: str) -> tuple[SessionState, TestReport]:
        """Run code against the open coding question's visible tests; the run and its results are saved."""
        if self.judge is None:
            raise CodeExecutionDisabled("Code execution is turned off on this server, so Run is not available. "
                                        "Submit still sends your code to the interviewer.")
        code, language = _check_code(code, language)
        work = _copy(state)
        current = open_coding(work)
        editor = flow.work_of(current)
        report = self.judge.run(flow.problem_of(current), code, language, "run")
        editor.draft, editor.language, editor.last_run = code, language, report
        editor.attempts.append(CodeAttempt(mode="run", language=language, code=code, verdict=report.verdict, passed=report.passed,
                                           total=report.total, message=report.message, first_failure=report.first_failure, at=_now()))
        return self._save(work), report

    def submit_code(self, state: SessionState, code: str, language: str) -> SubmitResult:
        """Run code against the hidden tests (when execution is on), record the submission as a turn, and reply.

        The code is saved as the draft before it runs, so a crash mid-run loses nothing.
        """
        code, language = _check_code(code, language)
        work = _copy(state)
        current = open_coding(work)
        editor = flow.work_of(current)
        editor.draft, editor.language = code, language
        self._save(work)
        attempt = CodeAttempt(mode="submit", language=language, code=code, verdict="not_run", at=_now())
        if self.judge is not None:
            problem = flow.problem_of(current)
            report = self.judge.run(problem, code, language, "submit")
            reference = self.judge.reference_large_ms(problem, language) if report.large_ms is not None else None
            attempt = attempt.model_copy(update={"verdict": report.verdict, "passed": report.passed, "total": report.total,
                                                 "message": report.message, "first_failure": report.first_failure,
                                                 "large_ms": report.large_ms, "reference_large_ms": reference})
        try:
            decision = self.engine.decide_code(work, attempt)
        except LLMError as err:
            decision = self.fallback.decide_code(work, attempt).with_notice(fallback_notice(err))
        turn = transitions.apply(work, decision, attempt.code)
        return SubmitResult(state=self._save(work), turn=turn)

    def edit_answer(self, state: SessionState, turn_index: int, text: str) -> SessionState:
        """Correct the transcript of an earlier answer; its question is re-scored and the report follows."""
        if not 0 <= turn_index < len(state.turns) or not state.turns[turn_index].scored:
            raise TurnNotFound(f"Turn {turn_index} is not an answer that can be corrected.")
        text = text.strip()[: self.max_message_chars]
        if not text:
            raise SessionError("A corrected answer cannot be empty; to withdraw it, say what you would answer instead.")
        work = _copy(state)
        turn = work.turns[turn_index]
        turn.message, turn.edited = text, True
        asked = work.asked[turn.question_index]
        if asked.code is not None:  # a coding question's explanation: re-score the whole exercise
            asked.assessment = flow.assess(work, asked)
            for i in asked.answers:
                work.turns[i].score = asked.assessment.overall
            work.summary, work.summary_source = "", ""
            return self._save(work)
        for k, i in enumerate(asked.answers):
            if i >= turn_index:  # each answer turn's score is the question's score up to that turn
                so_far = "\n".join(work.turns[j].message for j in asked.answers[: k + 1])
                asked.assessment = self._assess(asked.question, so_far, work.role)
                work.turns[i].score = asked.assessment.overall
        if asked.assessment is not None and asked.assessment.scored_by != self.engine.name:
            turn.notice = f"This correction was re-scored by the {asked.assessment.scored_by} rubric: the {self.engine.name} interviewer was unavailable."
        work.summary, work.summary_source = "", ""  # the report's narrative is written again
        return self._save(work)

    def _assess(self, question: Question, answer: str, role: Role) -> Assessment:
        try:
            return self.engine.assess(question, answer, role)
        except LLMError:
            return self.fallback.assess(question, answer, role)

    def finish(self, state: SessionState) -> tuple[SessionState, Report]:
        """End the interview (if still on), write the report's narrative once, and return the session and report."""
        if state.status == "finished" and state.summary:
            return state, build_report(state)
        work = _copy(state)
        transitions.finish(work)
        summarize = getattr(self.engine, "summarize", None)
        report = build_report(work)
        text = summarize(work, summary_facts(report)) if summarize else None
        work.summary, work.summary_source = (text, self.engine.name) if text else (report.summary, "code")
        work = self._save(work)
        return work, build_report(work)

    def report(self, state: SessionState) -> Report:
        """Return the report for the session as it stands."""
        return build_report(state)

    def resume(self, session_id: str) -> SessionState:
        """Load a saved session."""
        return self.store.load(session_id)

    def _save(self, state: SessionState) -> SessionState:
        """Save ``state``; its ``updated_at`` and ``version`` change only once the store took it (SessionConflict)."""
        stamped = state.model_copy(update={"updated_at": _now()})
        self.store.save(stamped)
        state.updated_at, state.version = stamped.updated_at, stamped.version
        return state


def _check_code(code: object, language: object) -> tuple[str, Language]:
    if language not in LANGUAGES:
        names = " or ".join(LANGUAGE_NAMES.values())
        raise SessionError(f"Language {language!r} is not supported: choose {names}.")
    if not isinstance(code, str) or not code.strip():
        raise SessionError("The editor is empty: write your solution first.")
    if len(code) > MAX_CODE_CHARS:
        raise SessionError(f"The code is longer than {MAX_CODE_CHARS:,} characters; a solution here needs far less.")
    return code, ("python" if language == "python" else "javascript")


def open_coding(state: SessionState) -> AskedQuestion:
    """Return the open coding question; raise SessionFinished or NotCodingQuestion (both say what to do)."""
    if state.status == "finished" or state.current is None:
        raise SessionFinished("This interview has ended. Open the report, or start a new interview.")
    if state.current.code is None:
        raise NotCodingQuestion("The current question is not a coding exercise: answer it as a message.")
    return state.current


def current_prompt(state: SessionState) -> str:
    """Return what the candidate is being asked right now (question or follow-up), or ''."""
    return state.current.prompt if state.current is not None else ""


def scored_turns(state: SessionState) -> list[Turn]:
    """Return the turns that were answers (the editable transcript)."""
    return [t for t in state.turns if t.intent is Intent.answer]


def evaluate_answer(role_name: str, question_text: str, answer: str, *, reference: str | None = None) -> dict:
    """Score an answer to any question (from the bank or not) for a role, against a reference answer when given.

    A bank question is scored against its model answer unless ``reference`` replaces it.
    """
    role = find_role(role_name) or resolve_role(InterviewOptions(role=role_name))
    question = _bank_question(question_text) or generic_question(question_text, guess_kind(question_text))
    if reference and reference.strip():
        question = question.model_copy(update={"reference_answer": reference.strip()})
    head = {"role": role.name, "question": question_text, "question_id": question.id, "in_bank": question.role_id != "custom",
            "kind": question.kind.value}
    if (lang := language.not_english(answer)) is not None:
        return {**head, "score": None, "language": lang, "message": language.message(lang)}
    a = OfflineInterviewer().assess(question, answer, role)
    return {**head, "score": a.overall, "dimensions": [d.model_dump(mode="json") for d in a.dimensions],
            "covered_points": a.covered_points, "missing_points": a.missing_points,
            "flaws": [f.model_dump(mode="json") for f in a.flaws], "off_question": a.off_question, "echo": a.echo,
            "assessor": a.assessor, "reference": "supplied" if question.reference_answer else "model answer" if question.role_id != "custom" else "none"}


def _bank_question(text: str) -> Question | None:
    key = " ".join(text.lower().split())
    for bank in load_bank().values():
        for q in bank.questions:
            if " ".join(q.text.lower().split()) == key:
                return q
    return None
