"""Every way the Groq call can fail, each with its defined behaviour, on the real ChatGroq against the fake server.

The rule under test: a failing call costs the candidate seconds, never the interview. Retryable
failures are retried within the policy (``sleeps=[]`` records the waits instead of sleeping),
anything else falls back to the offline interviewer for that turn with a visible notice, the
session stays consistent, and the circuit breaker stops calling a provider that keeps failing.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import TEST_KEY

from interview import (
    DEFAULT_MODEL,
    FAST_MODEL,
    CircuitBreaker,
    GroqConfig,
    InterviewOptions,
    InterviewService,
    LLMAuthError,
    LLMError,
    MemoryStore,
    Notice,
    OfflineInterviewer,
    RetryPolicy,
    SessionState,
    check_connection,
    list_models,
)
from interview.engines.llm_context import next_options
from interview.errors import LLMConnectionError
from interview.models import Intent
from interview.testing.fake_groq import Step
from interview.testing.llm_script import Sent, send, turn_reply

pytestmark = pytest.mark.llm

ROLE = "software_engineer"
# Over 40 words: auto_reply moves on (a shorter answer gets a follow-up).
ANSWER = ("I reproduced the crash in staging first, then I added logging around the cache layer, found a race condition in "
          "the writer and fixed it with a lock and a regression test. As a result, errors dropped by 40% within two weeks "
          "and I wrote up the root cause for the whole team.")
CLARIFY = "What do you mean?"
# Upper bounds on time: far below what the fault would cost (a 30 s hang or Retry-After, a 45 s crawl), far above
# what a loaded 2-core machine needs.
QUICK = 10.0
LONG_SAY = "Thank you, that is a thorough account of how you worked through the problem step by step. " * 18


def good(state, message: str = ANSWER) -> str:
    """A valid reply to an answer in this state: verdicts with verified quotes, moving to an offered question."""
    options = next_options(state)
    chosen = (options.get("same") or next(iter(options.values()))).id
    return turn_reply(answer=message, question=state.current.question, action="next_question", next_question_id=chosen, say="Thanks, that was clear.",
                      ask="Next, how would you design a rate limiter for a public API?")


def offline_reply(state: SessionState, message: str) -> str:
    """What the offline interviewer says to this message in this state (it is deterministic)."""
    return OfflineInterviewer().decide(state, message).words


def assert_groq(sent: Sent) -> None:
    assert sent.turn.engine == "groq", sent.turn.notice
    assert not sent.turn.notice and not sent.notices


def assert_fallback(sent: Sent, state: SessionState, message: str) -> None:
    """The turn was answered by the offline interviewer, the candidate was told, and the session is consistent."""
    assert sent.turn.engine == "offline"
    assert sent.turn.notice and "offline interviewer" in sent.turn.notice
    assert [n.text for n in sent.notices] == [sent.turn.notice]
    assert sent.turn.reply == offline_reply(state, message)
    assert sent.chunks[-1] == sent.turn.reply, "after the notice the offline reply is shown"
    assert len(sent.state.turns) == len(state.turns) + 1


@pytest.fixture
def llm(groq_engine):
    """Build (engine, service, sleeps) on the real ChatGroq against the fake server."""

    def _make(**options):
        sleeps: list[float] = []
        engine = groq_engine(sleeps=sleeps, **options)
        return engine, InterviewService(engine, MemoryStore()), sleeps

    return _make


def begin(service, **options):
    options.setdefault("num_questions", 6)
    return service.start(InterviewOptions(role=ROLE, **options))


# --- slow, rate-limited and failing servers --------------------------------------------------------

def test_slow_server_still_answers_via_groq(fake_groq, llm):
    _, service, sleeps = llm()
    state = begin(service)
    fake_groq.script(Step(content=good(state), latency=0.3))
    sent = send(service, fake_groq, state, ANSWER)
    assert_groq(sent)
    assert sent.calls == 1 and sent.seconds >= 0.3 and sleeps == []


@pytest.mark.parametrize(("steps", "calls", "waits"), [
    ([Step(status=429, retry_after="0.2")], 2, [0.2]),
    ([Step(status=500)], 2, [0.5]),
    ([Step(status=503), Step(status=502)], 3, [0.5, 1.0]),
], ids=["429 with a short Retry-After", "500 once", "503 then 502"])
def test_retryable_failure_then_success_is_answered_by_groq(fake_groq, llm, steps, calls, waits):
    _, service, sleeps = llm()
    state = begin(service)
    fake_groq.script(*steps, good(state))
    sent = send(service, fake_groq, state, ANSWER)
    assert_groq(sent)
    assert sent.calls == calls and sleeps == waits
    assert sent.turn.reply.startswith("Thanks, that was clear.")


def test_three_server_errors_fall_back_after_the_allowed_retries(fake_groq, llm):
    engine, service, sleeps = llm()
    state = begin(service)
    fake_groq.script(*[Step(status=500)] * 3)
    sent = send(service, fake_groq, state, ANSWER)
    assert sent.calls == 1 + engine.retry.retries == 3
    assert sleeps == [0.5, 1.0]
    assert_fallback(sent, state, ANSWER)
    assert "server error" in sent.turn.notice
    assert not engine.breaker.is_open() and engine.breaker.failures == 1


def test_long_retry_after_falls_back_at_once_and_pauses_the_llm(fake_groq, llm):
    engine, service, sleeps = llm(turn_budget=60)  # the wait is refused by RetryPolicy.max_wait, not by the turn budget
    state = begin(service)
    fake_groq.script(Step(status=429, retry_after="30"))
    sent = send(service, fake_groq, state, ANSWER)
    assert sent.calls == 1 and sleeps == [] and sent.seconds < QUICK
    assert_fallback(sent, state, ANSWER)
    assert re.search(r"rate.?limit", sent.turn.notice, re.I)
    assert engine.breaker.is_open() and 20 < engine.breaker.remaining() <= 30

    later = send(service, fake_groq, sent.state, CLARIFY)
    assert later.calls == 0
    assert later.turn.engine == "offline" and "paused" in later.turn.notice and later.notices


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_is_not_retried_and_says_so_plainly(fake_groq, llm, status):
    engine, service, sleeps = llm()
    state = begin(service)
    fake_groq.script(Step(status=status))
    sent = send(service, fake_groq, state, ANSWER)
    assert sent.calls == 1 and sleeps == []
    assert_fallback(sent, state, ANSWER)
    assert "API key" in sent.turn.notice and TEST_KEY not in sent.turn.notice
    assert engine.breaker.is_open() and engine.breaker.remaining() > engine.breaker.cooldown, "a bad key pauses for the long auth cooldown"

    later = send(service, fake_groq, sent.state, CLARIFY)
    assert later.calls == 0 and "paused" in later.turn.notice


def test_hanging_server_times_out_and_falls_back_quickly(fake_groq, llm):
    engine, service, _ = llm(timeout=0.3)
    state = begin(service)
    fake_groq.script(*[Step(mode="hang")] * 3)
    sent = send(service, fake_groq, state, ANSWER)
    assert sent.seconds < QUICK
    assert 1 <= sent.calls <= 1 + engine.retry.retries
    assert_fallback(sent, state, ANSWER)
    assert "in time" in sent.turn.notice


# --- broken streams -------------------------------------------------------------------------------

def long_reply(state) -> str:
    """A valid answer reply whose spoken part is long, so words stream before a mid-reply break."""
    options = next_options(state)
    return turn_reply(answer=ANSWER, question=state.current.question, action="next_question",
                      next_question_id=next(iter(options.values())).id,
                      say=LONG_SAY, ask="Next, how would you design a rate limiter?")


@pytest.mark.parametrize("mode", ["cut", "truncated"])
def test_stream_broken_after_words_were_shown_falls_back_with_a_notice(fake_groq, llm, mode):
    engine, service, sleeps = llm()
    state = begin(service)
    fake_groq.script(Step(content=long_reply(state), mode=mode))
    sent = send(service, fake_groq, state, ANSWER)
    first_notice = next(i for i, c in enumerate(sent.chunks) if isinstance(c, Notice))
    words = "".join(sent.chunks[:first_notice])
    assert first_notice > 0 and all(isinstance(c, str) for c in sent.chunks[:first_notice])
    assert LONG_SAY.startswith(words.strip()) and len(words) > 40, "some of the model's words were streamed first"
    assert sent.calls == 1 and sleeps == [], "words already shown: no retry"
    assert_fallback(sent, state, ANSWER)

    after = sent.state
    asked = after.asked[0]
    assert asked.answers == [0] and asked.assessment.scored_by == "offline"
    assert after.turns[0].score == asked.assessment.overall
    assert (asked.status == "open") == (after.turns[0].action == "follow_up")
    assert after.status == "active" and after.current is not None
    saved = service.resume(after.id)
    assert saved.pending is None and saved.turns == after.turns


@pytest.mark.parametrize("mode", ["cut", "truncated"])
def test_stream_broken_before_any_word_is_retried_unseen(fake_groq, llm, mode):
    _, service, sleeps = llm()
    state = begin(service)
    short = good(state)  # the spoken part is the last tenth: half the reply shows nothing
    fake_groq.script(Step(content=short, mode=mode), short)
    sent = send(service, fake_groq, state, ANSWER)
    assert_groq(sent)
    assert sent.calls == 2 and sleeps == [0.5], "a broken stream is retried like a dropped connection"
    assert "".join(c for c in sent.chunks if isinstance(c, str)) == sent.turn.reply


def test_malformed_stream_falls_back_with_a_notice(fake_groq, llm):
    _, service, _ = llm()
    state = begin(service)
    fake_groq.script(Step(mode="malformed", content=good(state)))
    sent = send(service, fake_groq, state, ANSWER)
    assert 1 <= sent.calls <= 3
    assert_fallback(sent, state, ANSWER)


@pytest.mark.parametrize(("first", "second", "answered_by", "problem"), [
    ("{not json", "{not json", "offline", "not valid JSON"),
    ("{not json", "good", "groq", "not valid JSON"),
    ("", "", "offline", "empty"),
    ("", "good", "groq", "empty"),
    ("Sure! Here is my assessment of the answer.", "good", "groq", "no JSON object"),
], ids=["bad JSON twice", "bad JSON then good", "empty twice", "empty then good", "prose then good"])
def test_unusable_content_is_retried_once_with_the_problem(fake_groq, llm, first, second, answered_by, problem):
    _, service, sleeps = llm()
    state = begin(service)
    fake_groq.script(first, good(state) if second == "good" else second)
    sent = send(service, fake_groq, state, ANSWER)
    assert sent.calls == 2 and sleeps == []
    assert problem in fake_groq.chat_requests()[-1].message("user")
    if answered_by == "groq":
        assert_groq(sent)
    else:
        assert_fallback(sent, state, ANSWER)
        assert "could not be used" in sent.turn.notice


def test_long_message_notice_survives_a_fallback(fake_groq, llm):
    _, service, _ = llm()
    state = begin(service)
    fake_groq.script(*[Step(status=500)] * 3)
    sent = send(service, fake_groq, state, (ANSWER + " ") * 40)
    notice = sent.result.notice
    assert notice and "longer than" in notice
    assert sent.turn.engine == "offline" and sent.notices
    after = sent.chunks[sent.chunks.index(sent.notices[0]) + 1:]
    assert "".join(c for c in after if isinstance(c, str)) == sent.turn.reply, "what follows the notice is the whole reply"
    assert sent.turn.reply.startswith(f"({notice})") and sent.turn.truncated


def test_candidate_leaving_mid_stream_frees_the_engine_at_once(fake_groq, llm):
    _, service, _ = llm()
    state = begin(service)
    fake_groq.chunk_size = 40
    fake_groq.script(Step(content=turn_reply("clarify", action="stay", say=LONG_SAY, ask="Which part is unclear?"), chunk_delay=0.25))
    stream = service.submit_stream(state, CLARIFY)  # the whole reply would stream for about 10 s
    words = []
    for chunk in stream:
        words.append(chunk)
        if len(words) == 2:
            break
    started = time.perf_counter()
    stream.close()
    assert time.perf_counter() - started < QUICK / 2
    assert stream.result is None
    assert service.resume(state.id).pending == CLARIFY, "the message was saved before the reply began, to be resent"

    again = send(service, fake_groq, state, CLARIFY)
    assert again.seconds < QUICK
    assert_groq(again)
    assert len(again.state.turns) == 1


def test_a_spoken_answer_cut_off_mid_reply_keeps_its_measured_delivery(fake_groq, llm):
    from interview.models import DeliveryMetrics

    _, service, _ = llm()
    state = begin(service)
    delivery = DeliveryMetrics(words=12, duration_s=5.0, speaking_time_s=4.0, words_per_minute=180.0, time_to_first_word_s=0.5,
                               long_pauses=0, longest_pause_s=0.4, pause_threshold_s=2.0, fillers_per_100_words=0.0, filler_counts={})
    fake_groq.script(Step(content=good(state), chunk_delay=0.05))
    stream = service.submit_stream(state, ANSWER, delivery=delivery)
    next(iter(stream))
    stream.close()
    saved = service.resume(state.id)
    assert saved.pending == ANSWER and saved.pending_delivery == delivery
    done = service.submit(saved, saved.pending, delivery=saved.pending_delivery)  # what the page does on reload
    assert done.turn.input_mode == "voice" and done.turn.delivery == delivery
    assert service.resume(state.id).pending is None and service.resume(state.id).pending_delivery is None


# --- circuit breaker and recovery ----------------------------------------------------------------

def test_circuit_breaker_opens_after_three_failed_turns_and_closes_after_the_cooldown(fake_groq, llm):
    now = [1000.0]
    breaker = CircuitBreaker(threshold=3, cooldown=60, clock=lambda: now[0])
    engine, service, _ = llm(breaker=breaker)
    assert not engine.breaker.is_open() and engine.breaker.failures == 0, "a fresh engine's breaker is closed"
    state = begin(service)

    for n in (1, 2, 3):
        fake_groq.script(*[Step(status=500)] * 3)
        sent = send(service, fake_groq, state, CLARIFY)
        state = sent.state
        assert sent.calls == 3 and sent.turn.engine == "offline"
        assert breaker.failures == n and breaker.is_open() == (n == 3)

    paused = send(service, fake_groq, state, CLARIFY)
    assert paused.calls == 0
    assert paused.turn.engine == "offline" and "paused" in paused.turn.notice and paused.notices
    state = paused.state

    now[0] += 61
    assert not breaker.is_open()
    back = send(service, fake_groq, state, CLARIFY)
    assert back.calls == 1
    assert_groq(back)
    assert breaker.failures == 0 and not breaker.is_open()


def test_breaker_that_fails_its_trial_call_opens_again(fake_groq, llm):
    now = [0.0]
    breaker = CircuitBreaker(threshold=3, cooldown=60, clock=lambda: now[0])
    _, service, _ = llm(breaker=breaker, retry=RetryPolicy(retries=0))
    state = begin(service)
    for _ in range(3):
        fake_groq.script(Step(status=500))
        state = send(service, fake_groq, state, CLARIFY).state
    now[0] += 61
    fake_groq.script(Step(status=500))
    trial = send(service, fake_groq, state, CLARIFY)
    assert trial.calls == 1 and trial.turn.engine == "offline"
    assert breaker.is_open()
    assert send(service, fake_groq, trial.state, CLARIFY).calls == 0


def test_groq_answers_again_after_a_fallback_and_no_question_repeats(fake_groq, llm):
    _, service, _ = llm()
    state = begin(service, num_questions=5)
    fake_groq.script(*[Step(status=500)] * 3)
    fell = send(service, fake_groq, state, "skip")
    assert fell.turn.engine == "offline" and fell.turn.action == "next_question"
    state = fell.state
    offline_asked = state.asked[1].question.id

    engines = []
    while state.status == "active":
        sent = send(service, fake_groq, state, ANSWER)
        state = sent.state
        engines.append(sent.turn.engine)
        assert len(engines) < 20
    assert engines and set(engines) == {"groq"}
    ids = [a.question.id for a in state.asked]
    assert len(ids) == 5 and len(set(ids)) == 5 and ids.count(offline_asked) == 1


def test_turn_budget_gives_up_on_a_crawling_stream(fake_groq, llm):
    _, service, _ = llm(turn_budget=0.5)
    state = begin(service)
    fake_groq.script(Step(content=long_reply(state), chunk_delay=0.2))
    sent = send(service, fake_groq, state, ANSWER)
    assert sent.seconds < QUICK, "the whole reply would take about 45 s"
    assert sent.calls == 1
    assert_fallback(sent, state, ANSWER)
    assert "longer than" in sent.turn.notice


def test_turn_budget_covers_the_validation_retry_too(fake_groq, llm):
    _, service, _ = llm(turn_budget=1.0)
    state = begin(service)
    invalid = turn_reply("clarify", action="stay", say="SHOULD NOT BE SHOWN.", ask="?").replace('"clarify"', '"not-an-intent"')
    valid = turn_reply("clarify", action="stay", say="Put simply: a bug.", ask="Which bug was hardest?")
    # Each reply streams in about 0.8 s, inside the budget; the two together do not fit in it.
    fake_groq.script(Step(content=invalid, chunk_delay=0.05), Step(content=valid, chunk_delay=0.05))
    sent = send(service, fake_groq, state, CLARIFY)
    # With a budget per call the retry would finish (about 1.6 s) and the turn would be groq's; one budget for the
    # whole turn stops the retry at 1 s and the offline engine answers, saying why.
    assert sent.turn.engine == "offline" and "longer than 1 s" in sent.turn.notice, sent.turn
    assert sent.seconds < QUICK


# --- summary -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["cut", "truncated"])
def test_broken_summary_stream_is_never_stored_half_written(fake_groq, llm, mode):
    _, service, _ = llm()
    state = begin(service)
    state = send(service, fake_groq, state, ANSWER).state
    summary = "You answered clearly and stayed on the questions. Your strongest area was structure; add numbers next time."
    fake_groq.script(*[Step(content=summary, mode=mode)] * 3)
    _, report = service.finish(state)
    assert report.summary_source == "code", f"a broken summary was stored: {report.summary!r}"
    assert not summary.startswith(report.summary) and len(report.summary) > 40


# --- models and connection check -------------------------------------------------------------------

def config(base_url: str, model: str = DEFAULT_MODEL) -> GroqConfig:
    return GroqConfig(api_key=TEST_KEY, base_url=base_url, model=model, timeout=2)


def test_list_models_drops_non_chat_models_and_puts_the_defaults_first(fake_groq):
    fake_groq.models = ["zeta-chat", FAST_MODEL, "whisper-large-v3", "alpha-chat", DEFAULT_MODEL, "distil-whisper-large-v3-en"]
    assert list_models(config(fake_groq.base_url)) == [DEFAULT_MODEL, FAST_MODEL, "alpha-chat", "zeta-chat"]
    fake_groq.models = ["zeta-chat", FAST_MODEL]
    assert list_models(config(fake_groq.base_url)) == [FAST_MODEL, "zeta-chat"]


def test_check_connection_accepts_a_listed_model_and_names_an_unknown_one(fake_groq):
    assert FAST_MODEL in check_connection(config(fake_groq.base_url, FAST_MODEL))
    with pytest.raises(LLMError, match="no-such-model"):
        check_connection(config(fake_groq.base_url, "no-such-model"))
    assert fake_groq.requests[-1].headers["authorization"] == f"Bearer {TEST_KEY}"


class _RejectKey(BaseHTTPRequestHandler):
    """A models endpoint that rejects every key, as Groq does for a bad one."""

    def do_GET(self):
        body = json.dumps({"error": {"message": "Invalid API Key", "type": "invalid_request_error", "code": "invalid_api_key"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Keep test output clean."""


@pytest.fixture
def rejecting_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RejectKey)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=1)


def test_check_connection_reports_a_rejected_key(rejecting_server):
    with pytest.raises(LLMAuthError, match="API key") as caught:
        check_connection(config(rejecting_server))
    assert TEST_KEY not in str(caught.value)


def test_check_connection_reports_an_unreachable_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    with pytest.raises(LLMConnectionError) as caught:
        check_connection(config(f"http://127.0.0.1:{port}"))
    assert TEST_KEY not in str(caught.value)


def test_intent_of_a_fallback_turn_is_the_offline_detection(fake_groq, llm):
    """A fallback turn is classified by the offline detector, not left unknown."""
    _, service, _ = llm()
    state = begin(service)
    fake_groq.script(Step(status=401))
    sent = send(service, fake_groq, state, "Can you give me a hint?")
    assert sent.turn.intent is Intent.hint and sent.state.hints_given == 1 and sent.turn.action == "stay"
