"""A scripted stand-in for the model (reads the context the engine sent, writes a valid reply), and test helpers.

Used as the fake Groq server's responder (and by the benchmark) so long interviews run through the
real LLM path with plausible, rule-following replies. Individual tests script exact replies instead.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .. import prompts
from ..bank import load_bank
from ..engines.base import Notice
from ..models import Question
from ..service import SubmitResult
from ..text import find_phrase, quote, sentences, tokens

CONTEXT_RE = re.compile(r"Interview context \(JSON\):\n(\{.*?\})\n\n", re.S)
RESCORE_RE = re.compile(r"Question and rubric \(JSON\):\n(\{.*?\})\n\n", re.S)
MESSAGE_RE = re.compile(r"<candidate_message>\n(.*)\n</candidate_message>", re.S)
ANSWER_RE = re.compile(r"<answer>\n(.*)\n</answer>", re.S)


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


# --- verdicts -------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _bank_keywords() -> dict[tuple[str, str], tuple[str, ...]]:
    return {(q.id, p.id): tuple(p.keywords) for bank in load_bank().values() for q in bank.questions for p in q.points}


def _points(question: Question | dict) -> list[tuple[str, tuple[str, ...], float]]:
    """(id, keywords, weight) of each talking point of a Question or of a question as the context shows it."""
    if isinstance(question, Question):
        return [(p.id, tuple(p.keywords), p.weight) for p in question.points]
    out = []
    for p in question.get("talking_points", []):
        words = _bank_keywords().get((question.get("id", ""), p["id"]))
        if words is None:  # not a bank question: the label's content words stand in
            words = tuple(w for w in re.findall(r"[A-Za-z]{5,}", p.get("point", "")))
        out.append((p["id"], words, float(p.get("weight", 1))))
    return out


def quote_for(answer: str, keywords: Iterable[str] = ()) -> str:
    """The answer's sentence holding one of the keywords (matched on stems), verbatim; '' when none does."""
    toks = tokens(answer)
    for kw in keywords:
        if span := find_phrase(toks, kw):
            return quote(answer, *span)
    return ""


def _first_sentence(answer: str) -> str:
    spans = sentences(answer)
    return quote(answer, *spans[0]) if spans else answer.strip()


def verdicts(answer: str, question: Question | dict | None = None, *, covered: Iterable[str] | None = None,
             contradicted: Iterable[str] | None = None) -> dict:
    """The ``points`` a model would write for an answer.

    With only ``question`` (a Question, or the question as the context shows it): a point is covered, quoting the
    answer's sentence that holds one of its keywords, when there is one, and absent otherwise. With ``covered`` /
    ``contradicted`` ids: those verdicts, each quoting the sentence with a keyword of the point (else the first
    sentence), and every other point of ``question`` absent.
    """
    points = _points(question) if question is not None else []
    keywords = {pid: words for pid, words, _ in points}
    if covered is None and contradicted is None:
        out = {}
        for pid, words, _ in points:
            found = quote_for(answer, words)
            out[pid] = {"verdict": "covered", "quote": found} if found else {"verdict": "absent", "quote": ""}
        return out
    out = {pid: {"verdict": "absent", "quote": ""} for pid, _, _ in points}
    for verdict, ids in (("covered", covered or ()), ("contradicted", contradicted or ())):
        for pid in ids:
            out[pid] = {"verdict": verdict, "quote": quote_for(answer, keywords.get(pid, ())) or _first_sentence(answer) or "n/a"}
    return out


def turn_reply(intent: str = "answer", *, answer: str = "", question: Question | dict | None = None, points: dict | None = None,
               covered: list[str] | None = None, contradicted: list[str] | None = None, action: str = "next_question",
               follow_up_point: str | None = None, next_question_id: str | None = None, say: str = "Thanks for that.",
               ask: str = "", **extra) -> str:
    """Return a turn reply as the model would write it (keys in the prompt's order).

    For an answer, ``points`` is given as is, or made by ``verdicts(answer, question, covered=..., contradicted=...)``.
    """
    if intent == "answer" and points is None:
        if question is None and covered is None and contradicted is None:
            raise ValueError("an answer's reply needs its verdicts: pass question=, points= or covered=")
        points = verdicts(answer, question, covered=covered, contradicted=contradicted)
    data = {"intent": intent, "points": points if intent == "answer" else None, "action": action,
            "follow_up_point": follow_up_point, "next_question_id": next_question_id, "say": say, "ask": ask}
    data.update(extra)
    return json.dumps(data)


def auto_reply(body: dict) -> str:
    """Answer any request the engine makes with a valid reply that follows the rules in the prompt."""
    system = body["messages"][0]["content"]
    if system.startswith("You write the short narrative"):
        return "You answered clearly and kept to the questions. Your strongest area was structure. Work next on adding numbers."
    if system == prompts.RESCORE_SYSTEM:
        user = body["messages"][-1]["content"]
        found, rescore = ANSWER_RE.search(user), RESCORE_RE.search(user)
        if found is None or rescore is None:
            raise ValueError("the re-scoring request has no <answer> or no question")
        return json.dumps({"points": verdicts(found.group(1), json.loads(rescore.group(1)))})
    if system == prompts.CODING_SYSTEM:  # coding turns: the model words what code decided
        return json.dumps({"say": "Thanks, let's keep going."})
    ctx = context_of(body)
    if "first_question" in ctx:
        return json.dumps({"say": "Hello! I'm your interviewer today.", "ask": f"Let's begin: {ctx['first_question']['exemplar']}"})
    return _turn(ctx, candidate_message(body))


def _turn(ctx: dict, message: str) -> str:
    """A turn by the prompt's rules: verdicts by keywords on all the answers; a short answer gets a follow-up while any are left."""
    intent = ctx["detected_intent"] if ctx["detected_intent"] != "answer" else "answer"
    options = {o["when"]: o for o in ctx["next_options"]}
    current = ctx["current_question"]
    if intent != "answer":
        if intent == "skip":
            return _move(intent, options, "same")
        return turn_reply(intent, action="stay", say=f"Sure ({intent}).", ask=current["text"])
    points = verdicts("\n".join([*ctx["answers_so_far"], message]), current)
    weights = {pid: w for pid, _, w in _points(current)}
    share = sum(weights[p] for p, v in points.items() if v["verdict"] == "covered") / (sum(weights.values()) or 1)
    short = len(message.split()) < 40
    missing = sorted((p for p, v in points.items() if v["verdict"] != "covered"), key=lambda p: -weights[p])
    if short and ctx["progress"]["follow_ups_left"] > 0 and len(points) > 1:
        return turn_reply(points=points, action="follow_up", follow_up_point=(missing or list(points))[0],
                          say="Thanks.", ask="Could you tell me more about how you measured the outcome?")
    wrong = any(v["verdict"] == "contradicted" for v in points.values())
    when = "harder" if share >= 0.75 and not wrong else "easier" if share < 0.25 or wrong else "same"
    return _move(intent, options, when, points)


def _move(intent: str, options: dict, when: str, points: dict | None = None) -> str:
    if not options:
        return turn_reply(intent, points=points, action="end",
                          say="Thank you, that was my last question. Your feedback report is ready.", ask="")
    chosen = options.get(when) or options.get("same") or next(iter(options.values()))
    return turn_reply(intent, points=points, action="next_question", next_question_id=chosen["id"], say="Thank you.",
                      ask=f"Next: {chosen['exemplar']}")


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
