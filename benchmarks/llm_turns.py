"""The LLM interviewer against a fake Groq server with a set latency: calls, prompt size, time to first word.

    python benchmarks/llm_turns.py [--latency 0.2] [--interviews 5]

Prints, for 20-turn interviews on the real ChatGroq client pointed at interview/testing/fake_groq.py:
- LLM calls per turn (and for the opening and the report summary);
- prompt characters per turn, turn 20 / turn 3, against sending the whole transcript each turn;
- the app's own time from submit to the first streamed token, minus the server's set delay (goal
  <= 30 ms), beside the same measure for a bare ChatGroq.stream() call on the same server in the
  same process (the floor the client library and the fake server already cost);
- the time to the first word the candidate sees: the reply's decision part (intent, scores,
  action) comes first and is validated before any word is shown, so this also waits for those
  tokens; its baseline is a bare client reading the same reply up to the same point.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from contextlib import closing

from langchain_core.messages import HumanMessage, SystemMessage

from interview import GroqConfig, InterviewOptions, LLMInterviewer, MemoryStore, Notice, Settings
from interview.compose import build_service
from interview.engines.groq_client import chat_model
from interview.prompts import INTERVIEWER_SYSTEM
from interview.testing.fake_groq import FakeGroq
from interview.testing.llm_script import auto_reply, turn_reply

GOAL_MS = 30.0
ANSWERS = [
    "At my last job our checkout service failed for 5% of customers. I reproduced the bug from the logs, found the root cause "
    "was a race condition in the cache, and I added a regression test. As a result errors dropped to zero within two days and "
    "I wrote the postmortem that the team still uses.",
    "I would talk to the customer first and then check the logs.",
]


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of values."""
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


class FirstChunkClock:
    """Wrap a chat model to note when the first streamed chunk of each call reaches the app."""

    def __init__(self, chat) -> None:
        self.chat, self.first = chat, None

    def stream(self, messages):
        """Stream from the wrapped model, noting the arrival time of the first chunk."""
        with closing(self.chat.stream(messages)) as chunks:
            for chunk in chunks:
                if self.first is None:
                    self.first = time.perf_counter()
                yield chunk


def interview(fake: FakeGroq, engine: LLMInterviewer, seed: int, latency: float) -> dict:
    """Run one 20-turn interview; return per-turn calls, prompt sizes and first-word times."""
    service = build_service(Settings(), engine=engine, store=MemoryStore(), judge=None)
    before = len(fake.chat_requests())
    clock = engine.chat = FirstChunkClock(engine.chat)
    state = service.start(InterviewOptions(role="software_engineer", num_questions=12, seed=seed))
    opening_calls = len(fake.chat_requests()) - before
    calls, prompts, full, first_ms, token_ms = [], [], [], [], []
    transcript = len(state.opening)
    for turn in range(20):
        if state.status == "finished":
            break
        message = ANSWERS[turn % 2]
        before = len(fake.chat_requests())
        clock.first = None
        started = time.perf_counter()
        stream = service.submit_stream(state, message)
        first = None
        for chunk in stream:
            if first is None and isinstance(chunk, str) and chunk.strip():
                first = time.perf_counter()
            if isinstance(chunk, Notice):
                raise SystemExit(f"unexpected fallback: {chunk.text}")
        state = stream.result.state
        requests = fake.chat_requests()[before:]
        calls.append(len(requests))
        if requests:
            prompts.append(requests[-1].prompt_chars)
            # Sending the whole transcript instead of the running summary: the same prompt plus every earlier message and reply.
            full.append(requests[-1].prompt_chars + transcript)
            first_ms.append((first - started - latency) * 1000)
            token_ms.append((clock.first - started - latency) * 1000)
        transcript += len(message) + len(stream.result.turn.reply)
    before = len(fake.chat_requests())
    service.finish(state)
    return {"opening": opening_calls, "calls": calls, "prompts": prompts, "full": full, "first_ms": first_ms,
            "token_ms": token_ms, "summary": len(fake.chat_requests()) - before}


def bare_client_ms(fake: FakeGroq, config: GroqConfig, latency: float, n: int) -> tuple[list[float], list[float]]:
    """Time a bare ChatGroq.stream() to its first chunk, and to the chunk where the spoken words begin, minus the delay."""
    chat = chat_model(config)
    messages = [SystemMessage(INTERVIEWER_SYSTEM), HumanMessage("x" * 3000)]
    reply = turn_reply(answer=ANSWERS[0], score=3, covered=["a", "b"], action="next_question", next_question_id="q1",
                       say="Thank you.", ask="Next: how would you design a rate limiter?")
    fake.responder = lambda body: reply
    first, spoken = [], []
    for _ in range(n):
        started, text = time.perf_counter(), ""
        with closing(chat.stream(messages)) as chunks:
            for chunk in chunks:
                if not text:
                    first.append((time.perf_counter() - started - latency) * 1000)
                text += chunk.content or " "
                if '"say": "T' in text:
                    spoken.append((time.perf_counter() - started - latency) * 1000)
                    break
        gc.collect()  # finalise the abandoned stream now (see interview/engines/llm.py: _release_abandoned_stream)
    return first, spoken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="the fake server's delay before its first byte, seconds")
    parser.add_argument("--interviews", type=int, default=5)
    args = parser.parse_args()
    with FakeGroq(responder=auto_reply, latency=args.latency) as fake:
        config = GroqConfig(api_key="gsk_benchmark", base_url=fake.base_url, timeout=10)
        runs = [interview(fake, LLMInterviewer(chat_model(config), model=config.model), seed, args.latency)
                for seed in range(args.interviews)]
        bare_first, bare_spoken = bare_client_ms(fake, config, args.latency, 40)
    calls = [c for r in runs for c in r["calls"]]
    print(f"fake server latency {args.latency * 1000:.0f} ms; {len(runs)} interviews; {len(calls)} turns")
    print(f"LLM calls per turn: mean {statistics.mean(calls):.2f}, max {max(calls)}; "
          f"opening {max(r['opening'] for r in runs)}, report summary {max(r['summary'] for r in runs)}")
    r = min(runs, key=lambda r: len(r["prompts"]))
    if len(r["prompts"]) >= 20:
        ours, full = r["prompts"], r["full"]
        print(f"prompt chars, turn 3 -> turn 20: {ours[2]} -> {ours[19]} = {ours[19] / ours[2]:.2f}x (goal <= 1.3x); "
              f"whole transcript instead: {full[2]} -> {full[19]} = {full[19] / full[2]:.2f}x")
        print(f"prompt chars over 20 turns: {sum(ours)} vs {sum(full)} with the whole transcript = {sum(ours) / sum(full):.2f}x")
    else:
        print(f"only {len(r['prompts'])} turns ran; prompt growth not measured")
    token = [m for r in runs for m in r["token_ms"]]
    spoken = [m for r in runs for m in r["first_ms"]]
    print(f"submit -> first streamed token, minus server delay: p50 {statistics.median(token):.1f} ms, p95 {pct(token, 95):.1f} ms "
          f"= {pct(token, 95) / GOAL_MS:.2f}x the {GOAL_MS:.0f} ms goal; bare ChatGroq.stream p50 {statistics.median(bare_first):.1f} ms, "
          f"p95 {pct(bare_first, 95):.1f} ms (app / bare p50 = {statistics.median(token) / statistics.median(bare_first):.2f}x)")
    print(f"submit -> first word shown, minus server delay: p50 {statistics.median(spoken):.1f} ms, p95 {pct(spoken, 95):.1f} ms; "
          f"bare client reading the same reply to its first spoken word: p50 {statistics.median(bare_spoken):.1f} ms "
          f"(app / bare p50 = {statistics.median(spoken) / statistics.median(bare_spoken):.2f}x)")


if __name__ == "__main__":
    main()
