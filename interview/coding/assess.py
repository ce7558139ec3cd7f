"""Score a coding question in code: correctness, efficiency, code clarity and the explanation, each 1-5 with evidence.

- **Correctness** comes from the last submission's test counts (never from what the candidate says).
- **Efficiency** compares the complexity the candidate states with the problem's expected one, and the
  time measured on the large hidden input with the reference solution's time on the same input.
- **Code clarity** reads the code: function length, nesting, line length, names.
- **Explanation** checks the spoken or typed walk-through: approach, time and space complexity, edge cases.

The overall 0-100 is the weighted mean rescaled, as for the other questions. With code execution
disabled, correctness is left out (not guessed) and the measured half of efficiency is missing.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ..models import VERDICT_WORDS, Assessment, CodeAttempt, CodeWork, DimensionScore, Evidence
from ..rubric import LABELS
from ..text import quote
from .problems import Problem

WEIGHTS = {"correctness": 3.0, "efficiency": 1.5, "code_clarity": 1.0, "explanation": 2.0}
SLOW_RATIO = 10.0  # the large input taking this many times the reference's time (and SLOW_MS or more) is slow
SLOW_MS = 50.0

# --- complexity -----------------------------------------------------------------------------------
_WORDS = {  # spoken or written names of growth classes -> (degree, log factor)
    r"constant(?: time| space| extra space| memory)": (0, 0), r"logarithmic": (0, 1), r"log(?:-| )?linear|linearithmic|n log n": (1, 1),
    r"linear": (1, 0), r"quadratic|n squared|n to the (?:power of )?two": (2, 0), r"cubic|n cubed": (3, 0),
    r"exponential": (99, 0), r"factorial": (100, 0),
}
_BIG_O = re.compile(r"\b(?:big[\s-]?)?o\s*(?:of\s+)?\(\s*([^()]*(?:\([^()]*\)[^()]*)*)\)"  # O(n), O(len(a) * len(b))
                    r"|\bbig[\s-]?o of ([a-z0-9 ^*+]+?)(?=[,.;]| time| space| memory| extra|$)", re.I)  # "big O of n squared"
_NAMED = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.I)
_TIME = re.compile(r"\b(?:time|runtime|run time|runs?|running|speed|fast|operations?|steps)\b", re.I)
_SPACE = re.compile(r"\b(?:space|memory|extra|storage|auxiliary)\b", re.I)
SIZE_NAMES = r"n|m|k|e|v|h|w|len\([a-z_]+\)|rows|cols|amount|alphabet|[a-z_]+"


def growth(expr: str) -> tuple[int, int] | None:
    """Return a comparable (degree, log) class for a complexity like 'O(n log n)' or 'linear'; None if unreadable."""
    text = expr.lower().strip()
    for pattern, rank in _WORDS.items():
        if re.fullmatch(pattern, text):
            return rank
    text = re.sub(r"\s+(?:for|beyond|where|with|in the)\b.*$", "", text).strip()  # "O(w) for the widest level"
    text = re.sub(r"^o\s*\((.*)\)$", r"\1", text).strip()
    text = re.sub(r"\s+squared\b", "^2", re.sub(r"\s+cubed\b", "^3", text))
    text = re.sub(r"\(\s*([a-z_]+)\s*[+-]\s*\d+\s*\)", r"\1", text)  # (k + 1) grows like k
    if not text:
        return None
    if re.fullmatch(r"1|constant", text):
        return (0, 0)
    if re.search(r"\d\s*(?:\^|\*\*)\s*[a-z]|\bexp", text):
        return (99, 0)
    if "!" in text:
        return (100, 0)
    logs = len(re.findall(r"\blog\b", text))
    body = re.sub(r"\blog\s*\(?\s*[a-z_]+\s*\)?", "", text)
    degree = 0
    for term in re.split(r"\+", body):  # the largest term of a sum decides
        factors = re.findall(r"len\([a-z_]+\)|\(\s*[a-z_]+\s*\+\s*\d+\s*\)|[a-z_]+(?:\s*(?:\^|\*\*)\s*\d)?", term)
        d = 0
        for f in factors:
            power = re.search(r"(?:\^|\*\*)\s*(\d)", f)
            d += int(power.group(1)) if power else 1
        degree = max(degree, d)
    if degree == 0 and not logs:
        return (0, 0) if re.fullmatch(r"[\d\s]*", body) else None
    return (degree, min(logs, 1) if degree else 1)


@dataclass(frozen=True)
class Stated:
    """What complexity the candidate said, with the words it came from."""

    time: str | None = None
    space: str | None = None
    time_quote: str = ""
    space_quote: str = ""


def stated_complexity(text: str) -> Stated:
    """Find the time and space complexity a candidate states ('O(n) time and O(1) space', 'linear', ...)."""
    found = []
    for m in _BIG_O.finditer(text):
        expr = (m.group(1) if m.group(1) is not None else m.group(2) or "").strip()
        found.append((m.start(), m.end(), f"O({expr})"))
    taken = [(s, e) for s, e, _ in found]
    for m in _NAMED.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            found.append((m.start(), m.end(), m.group(1).lower()))
    found.sort()
    time = space = None
    time_quote = space_quote = ""
    for start, end, expr in found:
        if growth(expr) is None:
            continue
        kind = "space" if _SPACE.search(expr) else "time" if _TIME.search(expr) else _which(text, start, end)
        if kind == "space" and space is None:
            space, space_quote = expr, _clause(text, start, end)
        elif kind == "time" and time is None:
            time, time_quote = expr, _clause(text, start, end)
        elif kind is None and time is None:
            time, time_quote = expr, _clause(text, start, end)
        elif kind is None and space is None:
            space, space_quote = expr, _clause(text, start, end)
    return Stated(time, space, time_quote, space_quote)


def _which(text: str, start: int, end: int) -> str | None:
    """'time' or 'space' by the nearest such word in the same clause, words after the mention first."""
    after = re.split(r"[,.;]| and ", text[end:end + 40], maxsplit=1)[0]
    before = re.split(r"[,.;]| and ", text[max(0, start - 50):start])[-1]
    for part in (after, before):
        s, t = _SPACE.search(part), _TIME.search(part)
        if s and (not t or s.start() <= t.start()):
            return "space"
        if t:
            return "time"
    return None


def _clause(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in ".;\n") + 1
    rights = [i for c in ".;\n" if (i := text.find(c, end)) != -1]
    return " ".join(text[left:min(rights) if rights else len(text)].split())[:160]


# --- the dimensions --------------------------------------------------------------------------------
def last_submission(work: CodeWork) -> CodeAttempt | None:
    """Return the latest Submit attempt, if any."""
    subs = work.submissions
    return subs[-1] if subs else None


def measured_slow(attempt: CodeAttempt | None) -> bool:
    """Return True when the large input took SLOW_RATIO times the reference's time (and SLOW_MS or more)."""
    if attempt is None or attempt.large_ms is None or attempt.reference_large_ms is None:
        return False
    return attempt.large_ms >= SLOW_MS and attempt.large_ms >= SLOW_RATIO * max(attempt.reference_large_ms, 1.0)


def ms(value: float) -> str:
    """A duration for people: '0.4 ms', '12 ms'."""
    return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"


def correctness(attempt: CodeAttempt | None) -> DimensionScore:
    if attempt is None:
        return DimensionScore(dimension="correctness", score=1, rationale="No solution was submitted, so no tests ran.")
    counts = f"{attempt.passed}/{attempt.total} tests passed"
    if attempt.verdict == "passed":
        return DimensionScore(dimension="correctness", score=5, rationale=f"Every test passed, hidden edge cases included ({counts}).",
                              evidence=[Evidence(quote=counts, note="test results")])
    if attempt.verdict != "failed":
        return DimensionScore(dimension="correctness", score=1 if attempt.verdict == "error" else 2,
                              rationale=f"The last submission {VERDICT_WORDS.get(attempt.verdict, attempt.verdict)}: {attempt.message}".strip(": "),
                              evidence=[Evidence(quote=attempt.message[:160] or attempt.verdict, note="test run")])
    share = attempt.passed / attempt.total if attempt.total else 0.0
    score = 4 if share >= 0.8 else 3 if share >= 0.5 else 2 if attempt.passed else 1
    return DimensionScore(dimension="correctness", score=score,
                          rationale=f"{counts}; the first failure: {attempt.first_failure or 'a hidden test'}.",
                          evidence=[Evidence(quote=counts, note="test results")])


def efficiency(problem: Problem, attempt: CodeAttempt | None, stated: Stated) -> DimensionScore:
    expected = growth(problem.complexity.time)
    said = growth(stated.time) if stated.time else None
    evidence = [Evidence(quote=stated.time_quote, note="your stated complexity")] if stated.time_quote else []
    measured = ""
    if attempt is not None and attempt.large_ms is not None:
        ref = f" (the reference takes {ms(attempt.reference_large_ms)})" if attempt.reference_large_ms is not None else ""
        measured = f"The large hidden input took {ms(attempt.large_ms)}{ref}."
        evidence.append(Evidence(quote=f"large input: {ms(attempt.large_ms)}", note="measured"))
    if measured_slow(attempt) or (attempt is not None and attempt.verdict == "timeout"):
        what = measured or "The submission ran out of time."
        return DimensionScore(dimension="efficiency", score=2, rationale=f"{what} The expected time is {problem.complexity.time}.",
                              evidence=evidence)
    if said is not None and expected is not None and said > expected:
        return DimensionScore(dimension="efficiency", score=3, evidence=evidence,
                              rationale=f"You described {stated.time}; {problem.complexity.time} is possible. {measured}".strip())
    working = attempt is not None and attempt.verdict == "passed"
    if said is not None and (expected is None or said == expected):
        score = 5 if working or attempt is None or attempt.verdict == "not_run" else 4
        return DimensionScore(dimension="efficiency", score=score, evidence=evidence,
                              rationale=f"You stated {stated.time}, the expected {problem.complexity.time}. {measured}".strip())
    if said is not None:  # better than the expected bound: possible with another approach, worth checking
        return DimensionScore(dimension="efficiency", score=4, evidence=evidence,
                              rationale=f"You stated {stated.time}; the usual bound is {problem.complexity.time}, so check that claim. {measured}".strip())
    score = 4 if working and measured else 3
    return DimensionScore(dimension="efficiency", score=score, evidence=evidence,
                          rationale=f"You did not state the complexity (expected {problem.complexity.time}). {measured}".strip())


def code_clarity(code: str, language: str) -> DimensionScore:
    """Score readability from the code itself: a real body, short functions, shallow nesting, short lines, meaningful names."""
    lines = [ln for ln in code.splitlines() if ln.strip()]
    body = [ln for ln in lines if not ln.strip().startswith(("#", "//", "def ", "function ")) and ln.strip() not in ("pass", "}", "// your code here")]
    if not body:
        return DimensionScore(dimension="code_clarity", score=1, rationale="There is no code beyond the starter signature.")
    problems: list[tuple[str, str]] = []
    long = [ln for ln in lines if len(ln) > 100]
    if long:
        problems.append(("lines over 100 characters are hard to read", long[0].strip()))
    depth, deep_line = _nesting(code, language)
    if depth > 4:
        problems.append((f"nesting goes {depth} levels deep; extract a helper or return early", deep_line))
    if len(body) > 45:
        problems.append((f"the solution is {len(body)} lines; split it into named helpers", body[0].strip()))
    vague = _vague_names(code, language)
    if len(vague) >= 3:
        first = sorted(vague)[0]
        line = next((ln.strip() for ln in lines if re.search(rf"\b{re.escape(first)}\b\s*=", ln)), first)
        problems.append((f"names like {', '.join(sorted(vague)[:3])} say little about what they hold", line))
    score = max(1, 5 - len(problems))
    if not problems:
        return DimensionScore(dimension="code_clarity", score=5, rationale="Short, shallow and readable code.",
                              evidence=[Evidence(quote=body[0].strip()[:120], note="your code")])
    return DimensionScore(dimension="code_clarity", score=score, rationale=_sentence("; ".join(p for p, _ in problems)),
                          evidence=[Evidence(quote=q[:120], note="your code") for _, q in problems[:2] if q])


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _nesting(code: str, language: str) -> tuple[int, str]:
    if language == "python":
        try:
            tree = ast.parse(code)
        except SyntaxError:
            return 0, ""
        blocks = (ast.For, ast.While, ast.If, ast.With, ast.Try, ast.AsyncFor, ast.AsyncWith)
        best = (0, "")

        def walk(node: ast.AST, depth: int) -> None:
            nonlocal best
            for child in ast.iter_child_nodes(node):
                d = depth + isinstance(child, blocks)
                if d > best[0]:
                    segment = ast.get_source_segment(code, child) if hasattr(child, "lineno") else None
                    best = (d, segment.splitlines()[0] if segment is not None else "")
                walk(child, d)

        walk(tree, 0)
        return best
    depth = worst = 0
    line_at = ""
    for ln in code.splitlines():
        for ch in ln:
            depth += ch == "{"
            depth -= ch == "}"
            if depth - 1 > worst:  # the function's own braces are level 0
                worst, line_at = depth - 1, ln.strip()
    return worst, line_at


_OK_SHORT = set("ijkxyabnmlrcdpqsvwe_") | {"dp", "lo", "hi", "ok", "id"}


def _vague_names(code: str, language: str) -> set[str]:
    if language == "python":
        try:
            names = {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        except SyntaxError:
            return set()
    else:
        names = set(re.findall(r"\b(?:let|const|var)\s+([A-Za-z_$][\w$]*)", code))
    vague = {"temp", "tmp", "foo", "bar", "baz", "thing", "stuff", "data2", "var", "val2", "xx", "yy", "aa", "bb"}
    return {n for n in names if n in vague or (len(n) == 1 and n not in _OK_SHORT) or re.fullmatch(r"[a-z]\d+", n)}


EDGE = re.compile(r"\b(?:edge cases?|corner cases?|empty|single|one element|duplicates?|negative|zero|null|none|overflow|"
                  r"boundar(?:y|ies)|no (?:solution|answer|match)|all the same|unsorted|large inputs?)\b", re.I)
APPROACH_TERMS = re.compile(r"\b(?:hash(?: ?map| ?set| table)?|dict(?:ionary)?|set|map|two pointers?|pointers?|sliding window|stack|queue|"
                            r"deque|heap|priority queue|sort(?:ed|ing)?|binary search|bfs|dfs|breadth|depth|recurs\w*|memo\w*|"
                            r"dynamic programming|dp|table|greedy|prefix|suffix|graph|tree|traversal|topological|union find|"
                            r"iterate|loop|pass|scan|count(?:er|s)?|index(?:es)?)\b", re.I)
WALK = re.compile(r"\b(?:because|so that|which means|for each|then|first|finally|if|when|otherwise|until|while|keep track|store)\b", re.I)


def explanation(text: str, stated: Stated) -> DimensionScore:
    """Score the walk-through: the approach and why it works, time and space complexity, edge cases."""
    if not text.strip():
        return DimensionScore(dimension="explanation", score=1, rationale="You did not explain the solution.")
    parts, missing, evidence = [], [], []
    approach = APPROACH_TERMS.search(text)
    if approach and WALK.search(text):
        parts.append("the approach and why it works")
        evidence.append(Evidence(quote=quote(text, approach.start(), approach.end()), note="approach"))
    else:
        missing.append("how the approach works, step by step")
    for name, said, q in (("time complexity", stated.time, stated.time_quote), ("space complexity", stated.space, stated.space_quote)):
        if said:
            parts.append(name)
            if q and not any(q == e.quote for e in evidence):
                evidence.append(Evidence(quote=q, note=name))
        else:
            missing.append(name)
    if (edge := EDGE.search(text)):
        parts.append("edge cases")
        evidence.append(Evidence(quote=quote(text, edge.start(), edge.end()), note="edge cases"))
    else:
        missing.append("edge cases")
    score = 1 + len(parts)
    rationale = (f"You covered {', '.join(parts)}." if parts else "The explanation did not cover the approach or its cost.")
    if missing:
        rationale += f" Missing: {', '.join(missing)}."
    return DimensionScore(dimension="explanation", score=min(5, score), rationale=rationale, evidence=evidence[:3])


def assess_code(problem: Problem, work: CodeWork, explained: str, *, execution: bool = True) -> Assessment:
    """Score a coding question from its submissions and the explanation; correctness is left out when code cannot run."""
    attempt = last_submission(work)
    stated = stated_complexity(explained)
    code = attempt.code if attempt else work.draft
    language = attempt.language if attempt else work.language
    dims = [correctness(attempt)] if execution else []
    dims += [efficiency(problem, attempt, stated), code_clarity(code, language), explanation(explained, stated)]
    mean = sum(WEIGHTS[d.dimension] * d.score for d in dims) / sum(WEIGHTS[d.dimension] for d in dims)
    missing = [d.dimension for d in dims if d.score <= 2]
    return Assessment(dimensions=dims, overall=round((mean - 1) / 4 * 100), covered_points=[d.dimension for d in dims if d.score >= 4],
                      missing_points=[LABELS[m] for m in missing], missing_point_ids=missing, word_count=len(explained.split()))


__all__ = ["Stated", "ms", "assess_code", "code_clarity", "growth", "measured_slow", "stated_complexity"]
