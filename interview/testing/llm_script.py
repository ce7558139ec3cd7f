"""A scripted stand-in for the model (reads the context the engine sent, writes a valid reply), and test helpers.

Used as the fake Groq server's responder (and by the benchmark) so long interviews run through the
real LLM path with plausible, rule-following replies. Individual tests script exact replies instead.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from .. import prompts
from ..engines.base import Notice
from ..rubric import DIMENSIONS
from ..service import SubmitResult

CONTEXT_RE = re.compile(r"Interview context \(JSON\):\n(\{.*?\})\n\n", re.S)
MESSAGE_RE = re.compile(r"<candidate_message>\n(.*)\n</candidate_message>", re.S)


def context_of(body: dict) -> dict:
    """Return the context JSON of the last user message of a chat request."""
    user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
    found = CONTEXT_RE.search(user)
    if found is None:
        raise ValueError("the chat request has no interview context")
    return json.loads(found.group(1))


def candidate_message(body: dict) -> str:
    """Return the candidate's message in a turn request."""
    user = [m["content"] for m in body["messages"] if m["role"] == "user"][0]
    m = MESSAGE_RE.search(user)
    return m.group(1) if m else ""


def scores(answer: str, score: int) -> dict:
    """Six dimension scores, each quoting the first words of the answer."""
    words = " ".join(answer.split()[:6]) or "n/a"
    return {d: {"score": score, "evidence": [words], "why": f"{d} looks like {score}/5."} for d in DIMENSIONS}


def turn_reply(intent: str = "answer", *, score: int = 3, answer: str = "", covered: list[str] | None = None,
               action: str = "next_question", follow_up_point: str | None = None, next_question_id: str | None = None,
               say: str = "Thanks for that.", ask: str = "", **extra) -> str:
    """Return a turn reply as the model would write it (keys in the prompt's order)."""
    data = {"intent": intent, "scores": scores(answer, score) if intent == "answer" else None, "covered": covered or [],
            "action": action, "follow_up_point": follow_up_point, "next_question_id": next_question_id, "say": say, "ask": ask}
    data.update(extra)
    return json.dumps(data)


def auto_reply(body: dict) -> str:
    """Answer any request the engine makes with a valid reply that follows the rules in the prompt."""
    system = body["messages"][0]["content"]
    if system.startswith("You write the short narrative"):
        return "You answered clearly and kept to the questions. Your strongest area was structure. Work next on adding numbers."
    if "You score one answer" in system:
        found = re.search(r"<answer>\n(.*)\n</answer>", body["messages"][-1]["content"], re.S)
        if found is None:
            raise ValueError("the re-scoring request has no <answer>")
        answer = found.group(1)
        return json.dumps({"scores": scores(answer, 4), "covered": []})
    if system == prompts.CODING_SYSTEM:  # coding turns: the model words what code decided
        return json.dumps({"say": "Thanks, let's keep going."})
    ctx = context_of(body)
    if "first_question" in ctx:
        return json.dumps({"say": "Hello! I'm your interviewer today.", "ask": f"Let's begin: {ctx['first_question']['exemplar']}"})
    return _turn(ctx, candidate_message(body))


def _turn(ctx: dict, message: str) -> str:
    intent = ctx["detected_intent"] if ctx["detected_intent"] != "answer" else "answer"
    options = {o["when"]: o for o in ctx["next_options"]}
    current = ctx["current_question"]
    if intent != "answer":
        if intent == "skip":
            return _move(intent, options, message, 3)
        return turn_reply(intent, action="stay", say=f"Sure ({intent}).", ask=current["text"])
    score = 4 if len(message.split()) >= 40 else 3 if len(message.split()) >= 12 else 2
    points = [p["id"] for p in current["talking_points"]]
    if score < 4 and ctx["progress"]["follow_ups_left"] > 0 and len(points) > 1:
        return turn_reply(answer=message, score=score, covered=points[:1], action="follow_up", follow_up_point=points[-1],
                          say="Thanks.", ask="Could you tell me more about how you measured the outcome?")
    return _move(intent, options, message, score, covered=points[:2])


def _move(intent: str, options: dict, message: str, score: int, covered: list[str] | None = None) -> str:
    if not options:
        return turn_reply(intent, answer=message, score=score, covered=covered, action="end",
                          say="Thank you, that was my last question. Your feedback report is ready.", ask="")
    when = "harder" if score >= 4 and "harder" in options else "easier" if score <= 2 and "easier" in options else (
        "same" if "same" in options else next(iter(options)))
    chosen = options[when]
    return turn_reply(intent, answer=message, score=score, covered=covered, action="next_question",
                      next_question_id=chosen["id"], say="Thank you.", ask=f"Next: {chosen['exemplar']}")


@dataclass
class Sent:
    """One submitted message: the service's result, every chunk streamed, the chat calls and the seconds it cost."""

    result: SubmitResult
    chunks: list
    calls: int
    seconds: float

    @property
    def turn(self):
        return self.result.turn

    @property
    def state(self):
        return self.result.state

    @property
    def text(self) -> str:
        return "".join(c for c in self.chunks if isinstance(c, str))

    @property
    def notices(self) -> list[Notice]:
        return [c for c in self.chunks if isinstance(c, Notice)]


def send(service, fake, state, message: str) -> Sent:
    """Submit a message through the streaming path, collecting the chunks and counting the chat requests."""
    before, started = len(fake.chat_requests()), time.perf_counter()
    stream = service.submit_stream(state, message)
    chunks = list(stream)
    return Sent(stream.result, chunks, len(fake.chat_requests()) - before, time.perf_counter() - started)
