"""Decide, then apply: engines read the session and return decisions; only the transitions module changes it.

Every engine call in a whole interview (typed answers, hints, clarifications, skips, code submissions,
the end) is watched: the session the engine was handed must be byte-for-byte what it was before.
"""

from __future__ import annotations

import pytest

from interview import InterviewOptions, InterviewService, MemoryStore, OfflineInterviewer
from interview.errors import LLMConnectionError
from interview.models import CodeAttempt, Intent, SessionState, TestReport
from interview.session import transitions
from interview.session.decisions import Decision, FollowUp

ANSWER = ("In my last role our checkout API slowed down after a release. I profiled it, found an N+1 query, "
          "batched it and added an index, which cut p95 latency from 900 ms to 120 ms. I then added a load test "
          "to CI so it would not regress, and wrote up what we learned for the team.")


class Watched:
    """Wraps an engine; fails the test if any decision call changes the session it was given."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.name = engine.name
        self.calls: list[str] = []

    def _watch(self, method: str, state: SessionState, *args):
        before = state.model_dump_json()
        result = getattr(self.engine, method)(state, *args)
        assert state.model_dump_json() == before, f"{method} changed the session"
        self.calls.append(method)
        return result

    def opening(self, state):
        return self._watch("opening", state)

    def decide(self, state, message):
        return self._watch("decide", state, message)

    def decide_code(self, state, attempt):
        return self._watch("decide_code", state, attempt)

    def assess(self, question, answer, role):
        return self.engine.assess(question, answer, role)


class FixedJudge:
    def run(self, problem, code, language, mode):
        return TestReport(verdict="failed", passed=3, total=9, first_failure="f([]) returned None")

    def reference_large_ms(self, problem, language):
        return None


@pytest.mark.unit
def test_the_offline_engine_never_changes_the_session_it_reads():
    engine = Watched(OfflineInterviewer())
    service = InterviewService(engine, MemoryStore(), judge=FixedJudge())
    state = service.start(InterviewOptions(role="software_engineer", num_questions=4, coding_questions=1, seed=2))
    for message in ("what do you mean?", "can I have a hint?", "", "asdf qwer zxcv", ANSWER, "skip"):
        if state.status == "finished" or state.current.code is not None:
            break
        state = service.submit(state, message).state
    while state.status != "finished" and state.current.code is None:
        state = service.submit(state, ANSWER).state
    if state.status != "finished":
        state = service.submit_code(state, "def f(x):\n    return x\n", "python").state
        state = service.submit(state, "I loop once over the input, so it is O(n) time and O(1) space.").state
    state = service.submit(state, "let's end the interview here").state if state.status != "finished" else state
    assert state.status == "finished"
    assert {"opening", "decide", "decide_code"} <= set(engine.calls)
    assert all(t.engine == "offline" for t in state.turns)


@pytest.mark.llm
def test_the_llm_engine_never_changes_the_session_and_the_service_falls_back(groq_engine, fake_groq):
    from interview.testing.fake_groq import Step

    llm = groq_engine()
    engine = Watched(llm)
    service = InterviewService(engine, MemoryStore(), judge=None)
    state = service.start(InterviewOptions(role="software_engineer", num_questions=3, seed=1))
    state = service.submit(state, ANSWER).state
    assert state.turns[-1].engine == "groq" and not state.turns[-1].notice
    fake_groq.script(Step(status=500), Step(status=500), Step(status=500), Step(status=500))
    result = service.submit(state, ANSWER)
    assert result.turn.engine == "offline" and "offline interviewer" in result.turn.notice  # decided by the fallback
    assert result.state.turns[-1] == result.turn
    assert engine.calls == ["opening", "decide"]  # the failed call raised (the session unchanged, as watched)


@pytest.mark.unit
def test_a_fallback_decision_is_recorded_with_the_engine_that_made_it():
    class Failing(OfflineInterviewer):
        name = "groq"

        def decide(self, state, message):
            raise LLMConnectionError("The connection to Groq failed.")

    service = InterviewService(Failing(), MemoryStore())
    state = service.start(InterviewOptions(role="customer_support", num_questions=2, seed=0))
    result = service.submit(state, ANSWER)
    assert result.turn.engine == "offline"
    assert result.turn.notice.startswith("The connection to Groq failed. The offline interviewer answered this turn")


def _state(**options) -> SessionState:
    return InterviewService(OfflineInterviewer(), MemoryStore(), judge=None).start(InterviewOptions(**options))


@pytest.mark.unit
@pytest.mark.parametrize(("intent", "answered", "code", "status"), [
    (Intent.skip, False, False, "skipped"),
    (Intent.end, False, False, "unanswered"),
    (Intent.skip, True, False, "answered"),
    (Intent.end, True, False, "answered"),
    (Intent.skip, False, True, "answered"),  # a submission counts as an attempt
])
def test_one_rule_says_how_a_question_is_left(intent, answered, code, status):
    state = _state(role="software_engineer", num_questions=2, coding_questions=2 if code else 0, seed=4)
    current = state.current
    if answered:
        current.answers.append(0)
    if code:
        assert current.code is not None
        current.code.attempts.append(CodeAttempt(mode="submit", language="python", code="x", verdict="not_run"))
    assert transitions.leave_status(current, intent) == status
    transitions.apply(state, Decision(intent, "end", "Bye.", "offline"), "stop")
    assert state.asked[0].status == status and state.status == "finished"


@pytest.mark.unit
def test_apply_records_follow_ups_hints_and_moves_in_one_place():
    state = _state(role="product_manager", num_questions=3, seed=7)
    question = state.current.question
    transitions.apply(state, Decision(Intent.hint, "stay", "A nudge.", "offline", hint=True), "hint?")
    assert state.hints_given == 1 and state.turns[-1].action == "stay"
    transitions.apply(state, Decision(Intent.answer, "follow_up", "Thanks. And the numbers?", "offline", scored=True,
                                      score=40, follow_up=FollowUp(question.points[0].id, "And the numbers?")), "An answer.")
    assert state.current.follow_ups == ["And the numbers?"] and state.hints_given == 0
    assert state.current.answers == [1] and state.turns[-1].scored and not state.turns[-1].follow_up
    transitions.apply(state, Decision(Intent.answer, "follow_up", "Once more?", "offline", scored=True, score=45,
                                      follow_up=FollowUp(question.points[0].id, "Once more?", new=False)), "More.")
    assert state.current.follow_ups == ["And the numbers?"]  # an old topic put again records nothing new
    assert state.turns[-1].follow_up  # the message answered a follow-up
    nxt = OfflineInterviewer().opening(state).question
    transitions.apply(state, Decision(Intent.answer, "next_question", "Next.", "offline", scored=True, score=60,
                                      next_question=nxt, difficulty=3), "Last part.")
    assert state.asked[0].status == "answered" and state.current.question.id == nxt.id
    assert state.difficulty == 3 and state.turns[-1].difficulty == 3


@pytest.mark.unit
def test_a_decision_that_lacks_what_its_action_needs_is_refused():
    state = _state(role="marketing", num_questions=2, seed=1)
    for decision in (Decision(Intent.answer, "follow_up", "x", "offline"),
                     Decision(Intent.answer, "next_question", "x", "offline")):
        with pytest.raises(ValueError):
            transitions.apply(state.model_copy(deep=True), decision, "m")
