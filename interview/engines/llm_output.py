"""What the language model must write, how it is checked, and how its words are streamed as they arrive.

The model writes one JSON object per turn. Everything the code decides on (intent, a verdict on
each talking point with the words that show it, action, which question comes next) comes before
the words the candidate sees ("say", then "ask"), so the decision part is validated before a single
word is shown, and an invalid reply can be retried without the candidate ever seeing it. The model
gives no scores: the rubric in code computes them from the verdicts (``Judged.verdicts``).

On a coding exercise the decision is made in code and the model writes only "say" (``CodingOut``):
no code, no scores, no numbers or test counts that the facts do not hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from ..models import Intent
from ..rubric import PointVerdict

Verdict = Literal["covered", "contradicted", "absent"]


ACTIONS = {Intent.answer: ("follow_up", "next_question", "end"), Intent.skip: ("next_question", "end"), Intent.end: ("end",)}


class Lenient(BaseModel):
    """Model output: unknown keys are ignored (models add them), known ones are checked."""

    model_config = ConfigDict(extra="ignore")


class PointOut(Lenient):
    """The model's verdict on one talking point, with the candidate's words that show it."""

    verdict: Verdict
    quote: str = Field(default="", description="Verbatim words from the answer; required unless the verdict is 'absent'.")

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value):
        return {"verdict": value} if isinstance(value, str) else value  # "absent" alone

    @field_validator("verdict", mode="before")
    @classmethod
    def _normalise(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("quote", mode="before")
    @classmethod
    def _one_quote(cls, value):
        if value is None:
            return ""
        if isinstance(value, list):  # several quotes: the first one stands
            return next((q for q in value if isinstance(q, str) and q.strip()), "")
        return value

    @model_validator(mode="after")
    def _quoted(self):
        self.quote = self.quote.strip()
        if self.verdict != "absent" and not self.quote:
            raise ValueError(f"a '{self.verdict}' verdict needs 'quote': the candidate's exact words that show it")
        return self


class Judged(Lenient):
    """The judging part: one verdict per talking point id. Used on its own when an edited answer is re-scored.

    Validated with context ``point_ids`` (the question's talking points): verdicts on other ids are
    dropped, and an id left out counts as absent.
    """

    points: dict[str, PointOut] | None = None

    @field_validator("points", mode="before")
    @classmethod
    def _known_points(cls, value, info: ValidationInfo):
        if isinstance(value, list):  # [{"id": ..., "verdict": ...}] instead of an object keyed by id
            value = {str(v.get("id") or v.get("point") or ""): v for v in value if isinstance(v, dict)}
        known = (info.context or {}).get("point_ids")
        if isinstance(value, dict) and known is not None:
            value = {k: v for k, v in value.items() if k in known}
        return value

    def missing_problem(self, point_ids) -> str | None:
        """What is wrong when a reply must judge the talking points and does not, else None."""
        ids = ", ".join(sorted(point_ids or ()))
        if self.points is None:
            return f"'points' is required: an object with a verdict for each talking point ({ids or 'none'})"
        if point_ids and not self.points:
            return f"'points' judges none of the talking points; use their ids: {ids}"
        return None

    def verdicts(self) -> dict[str, PointVerdict]:
        """The verdicts as the rubric takes them (it verifies each quote against the answer)."""
        return {pid: PointVerdict(verdict=p.verdict, quote=p.quote) for pid, p in (self.points or {}).items()}


class TurnOut(Judged):
    """The whole reply to one candidate message."""

    intent: Intent
    action: Literal["follow_up", "next_question", "stay", "end"]
    follow_up_point: str | None = None
    next_question_id: str | None = None
    say: str = ""
    ask: str = ""

    @model_validator(mode="before")
    @classmethod
    def _judged_only_answers(cls, value):
        if isinstance(value, dict) and value.get("intent") != Intent.answer.value:
            value = {**value, "points": None}  # verdicts on a non-answer are not used: do not fail on them
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo):
        ctx = info.context or {}
        if self.intent is Intent.code:
            raise ValueError("intent 'code' is only for submissions from the editor; classify the message as another intent")
        if self.intent is Intent.answer and (problem := self.missing_problem(ctx.get("point_ids"))):
            raise ValueError(f"intent 'answer' needs verdicts: {problem}")
        allowed = ACTIONS.get(self.intent, ("stay",))
        if self.action not in allowed:
            raise ValueError(f"intent '{self.intent.value}' takes action {' or '.join(repr(a) for a in allowed)}, not '{self.action}'")
        if self.action == "end" and self.intent is not Intent.end and ctx.get("offered_ids"):
            raise ValueError("questions remain: use 'end' only when the candidate asks to stop or after the last question")
        if self.action == "follow_up" and ctx.get("follow_ups_left", 1) <= 0:
            raise ValueError("no follow-ups are left for this question: use action 'next_question' (or 'end' on the last question)")
        if self.action == "next_question":
            offered = ctx.get("offered_ids")
            if offered is not None and not offered:
                raise ValueError("this is the last question: use action 'end' instead of 'next_question'")
            if offered is not None and self.next_question_id not in offered:
                raise ValueError(f"next_question_id must be one of {', '.join(offered)}")
        if self.follow_up_point not in (ctx.get("point_ids") or ()):
            self.follow_up_point = None
        return self


class OpeningOut(Lenient):
    """The greeting and the first question."""

    say: str = ""
    ask: str = Field(min_length=5)


MAX_CODING_SAY = 1200
_CODE = re.compile(r"```|\bdef\s+\w+\s*\(|\bfunction\b\s*\w*\s*\(|=>|\blambda\b|\breturn\s+[\w(\[]+[^.!?]*[;)\]]|[{};]\s*$"
                   r"|[+\-*/]=|[=!]=|\w\[[\w+\-]*\]|\w+\s*,\s*\w+\s*=\s*\w", re.M)  # code-like, not prose
_SCORE = re.compile(r"\b(scores?|scored|scoring|grades?|graded|marks?|rating|rated)\b", re.I)
_BIG_O = re.compile(r"\bO\([^)]{0,30}\)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TEST_COUNT = re.compile(r"(\d+)(?:\s+(?:of|out of)\s+(?:the\s+|all\s+)?(\d+))?\s+(?:[a-z]+\s+)?tests?\b", re.I)


class CodingOut(Lenient):
    """The words for a coding turn decided in code: what the interviewer says before the question it must ask.

    Validated with context ``facts`` (the text every number must come from), ``counts`` (the test
    counts of the last submission) and ``required`` (the question asked after these words; when
    there is none, the words must not be empty).
    """

    say: str = ""

    @model_validator(mode="after")
    def _safe(self, info: ValidationInfo):
        ctx = info.context or {}
        self.say = self.say.strip()
        if not self.say and not ctx.get("required"):
            raise ValueError("'say' is empty")
        if len(self.say) > MAX_CODING_SAY:
            raise ValueError(f"'say' is longer than {MAX_CODING_SAY} characters")
        if _CODE.search(self.say):
            raise ValueError("'say' must not contain code")
        if _SCORE.search(self.say):
            raise ValueError("'say' must not mention scores or grades")
        known = set(_NUMBER.findall(ctx.get("facts", "")))
        if any(n not in known for n in _NUMBER.findall(_BIG_O.sub("", self.say))):
            raise ValueError("'say' states a number that is not in the context")
        counts = {str(n) for n in ctx.get("counts", ())}
        if any(n and n not in counts for m in _TEST_COUNT.finditer(self.say) for n in m.groups()):
            raise ValueError("'say' gives test counts other than the last submission's")
        return self


_OUT_OF = re.compile(r"(\d+(?:\.\d+)?)\s*(?:/|out of)\s*(100|5)\b", re.I)
_SCORE_IS = re.compile(r"\b(?:scor\w*|rated|rating|graded?|marks?)(?:\s*[:=]\s*|\s+)"
                       r"(?:(?:of|was|is|at|an?|about|around)\s+)*(\d+(?:\.\d+)?)", re.I)
_PERFECT = re.compile(r"\b(?:perfect|flawless|full marks|top marks|maximum score|100\s*%)", re.I)


def summary_problem(text: str, facts: dict) -> str | None:
    """What is wrong with a report narrative that states numbers or scores the facts do not hold, else None.

    Every number must be one of the facts'; a score ("72/100", "scored 72", "4.5 out of 5") must be one computed
    in code (the overall, a question's, or a dimension's mean); "perfect" and the like only for an overall of 100.
    """
    def near(value: str, allowed) -> bool:
        return any(abs(float(value) - a) <= 0.06 for a in allowed)

    known = [float(n) for n in _NUMBER.findall(json.dumps(facts, ensure_ascii=False))]
    if any(not near(n, known) for n in _NUMBER.findall(_OUT_OF.sub(r"\1", text))):  # "/100" is a scale, not a fact
        return "the summary states a number that is not in the facts"
    overalls = [v for v in (facts.get("overall"), *(q.get("score") for q in facts.get("questions", []))) if v is not None]
    means = list((facts.get("dimensions_1_to_5") or {}).values())
    claims = [(m.group(1), overalls if m.group(2) == "100" else means) for m in _OUT_OF.finditer(text)]
    claims += [(m.group(1), [*overalls, *means]) for m in _SCORE_IS.finditer(text)]
    if any(not near(n, allowed) for n, allowed in claims):
        return "the summary gives a score that was not computed"
    if _PERFECT.search(text) and facts.get("overall") != 100:
        return "the summary calls the interview perfect"
    return None


# --- parsing ------------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


def extract_json(text: str) -> dict:
    """Return the JSON object in a reply (tolerating code fences and text around it); raise ValueError."""
    body = _FENCE.sub("", text.strip())
    start = body.find("{")
    if start < 0:
        raise ValueError("the reply holds no JSON object" if body else "the reply was empty")
    try:
        value, _ = json.JSONDecoder().raw_decode(body, start)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(value, dict):
        raise ValueError("the reply must be one JSON object")
    return value


def describe(exc: ValidationError | ValueError) -> str:
    """Say briefly what was wrong with a reply, for the retry prompt and the logs (never the content)."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in exc.errors()[:5])
    return str(exc)


@dataclass
class SpokenStreamer:
    """Follow a JSON reply as it streams and hand out the text of the spoken fields as soon as it arrives.

    ``feed(chunk)`` returns the new spoken text (possibly ""). Speech is released only once the
    decision part before the first spoken key has parsed and passed ``check``; until then nothing
    is shown, so an invalid reply can be retried unseen. ``released`` says whether any words went out.
    """

    keys: tuple[str, ...] = ("say", "ask")
    check: Callable[[dict], object] | None = None
    buffer: str = ""
    said: str = ""
    released: bool = False
    blocked: bool = False
    _key: int = 0
    _pos: int = -1  # buffer index of the next character of the string being read; -1 between values
    _scan: int = 0  # where to look for the next key
    _fresh: bool = True  # no text of the current key has gone out yet

    def feed(self, chunk: str) -> str:
        """Add streamed text; return any newly available spoken words."""
        self.buffer += chunk
        out = []
        while not self.blocked and self._key < len(self.keys):
            if self._pos < 0 and not self._open_value():
                break
            text, done = self._read_string()
            out.append(self._emit(text))
            if not done:
                break
            self._key, self._pos, self._fresh = self._key + 1, -1, True
        return "".join(out)

    def reset(self) -> None:
        """Forget a reply that failed before any word was released (a retry starts afresh)."""
        if self.released:
            raise RuntimeError("words already went out; a reply cannot be reset after that")
        self.buffer, self.blocked, self._key, self._pos, self._scan, self._fresh = "", False, 0, -1, 0, True

    def _open_value(self) -> bool:
        m = re.compile(rf'"{self.keys[self._key]}"\s*:\s*"').search(self.buffer, self._scan)
        if not m:
            return False
        if not self.released:
            head = _FENCE.sub("", self.buffer[: m.start()]).rstrip().rstrip(",")
            try:
                decision = json.loads(head[head.find("{"):] + "}")
                if self.check:
                    self.check(decision)
            except (ValueError, ValidationError):
                self.blocked = True  # the whole reply is validated at the end; show nothing now
                return False
            self.released = True
        self._pos = m.end()
        return True

    def _read_string(self) -> tuple[str, bool]:
        """Decode the current string value as far as the buffer goes; return (text, finished)."""
        out: list[str] = []
        i, buf = self._pos, self.buffer
        while i < len(buf):
            c = buf[i]
            if c == '"':
                self._pos = self._scan = i + 1
                return "".join(out), True
            if c != "\\":
                out.append(c)
                i += 1
                continue
            if i + 1 >= len(buf) or (buf[i + 1] == "u" and i + 6 > len(buf)):
                break  # an escape split across chunks: wait for the rest
            if buf[i + 1] == "u":
                char, used = _unicode_escape(buf, i)
                if not used:
                    break
                out.append(char)
                i += used
            else:
                out.append({"n": "\n", "t": "\t", "r": "", "b": "", "f": ""}.get(buf[i + 1], buf[i + 1]))
                i += 2
        self._pos = i
        return "".join(out), False

    def _emit(self, text: str) -> str:
        if not text:
            return ""
        if self._fresh:
            text = text.lstrip() if not self.said else "\n\n" + text.lstrip()
            self._fresh = False
        self.said += text
        return text


def _unicode_escape(buf: str, i: int) -> tuple[str, int]:
    """Decode a \\uXXXX escape at i (joining a surrogate pair); return (char, length) or ("", 0) to wait."""
    try:
        code = int(buf[i + 2:i + 6], 16)
    except ValueError:
        return "\ufffd", 6
    if 0xD800 <= code < 0xDC00:  # high surrogate: the low half follows as another escape
        if i + 12 > len(buf):
            return "", 0
        try:
            low = int(buf[i + 8:i + 12], 16)
        except ValueError:
            return "\ufffd", 6
        if buf[i + 6:i + 8] == "\\u" and 0xDC00 <= low < 0xE000:
            return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), 12
        return "\ufffd", 6
    return ("\ufffd" if 0xDC00 <= code < 0xE000 else chr(code)), 6
