"""Score an answer in code, per dimension (1-5), each score resting on quoted words of the answer.

Dimensions: relevance, depth (talking-point coverage), structure (STAR for behavioral questions),
specificity, ownership and clarity. The overall 0-100 is the weighted mean of the dimensions
rescaled, capped when the answer is off the question: it is computed, never invented.
"""

from __future__ import annotations

import re

from .models import Assessment, DimensionScore, Evidence, Kind, Question, TalkingPoint
from .text import HEDGES, content_stems, count_phrases, filler_counts, find_phrase, quote, sentences, tokens

DIMENSIONS = ("relevance", "depth", "structure", "specificity", "ownership", "clarity")
CODING_DIMENSIONS = ("correctness", "efficiency", "code_clarity", "explanation")  # scored in interview/coding/assess.py
LABELS = {"relevance": "Relevance", "depth": "Depth / role knowledge", "structure": "Structure",
          "specificity": "Specificity", "ownership": "Ownership", "clarity": "Clarity & concision",
          "correctness": "Correctness (tests)", "efficiency": "Efficiency", "code_clarity": "Code clarity",
          "explanation": "Explaining your solution"}
WEIGHTS = {
    Kind.behavioral: {"relevance": 1.0, "depth": 1.5, "structure": 1.0, "specificity": 1.0, "ownership": 1.0, "clarity": 0.75},
    Kind.technical: {"relevance": 1.0, "depth": 2.0, "structure": 1.0, "specificity": 0.75, "ownership": 0.5, "clarity": 0.75},
    Kind.situational: {"relevance": 1.0, "depth": 1.5, "structure": 1.0, "specificity": 0.75, "ownership": 0.75, "clarity": 0.75},
}
WEIGHTS[Kind.coding] = WEIGHTS[Kind.technical]  # a coding question's chat answers, when scored as talk alone
OFF_QUESTION_CAP = 20  # an answer that does not address the question cannot score above this

STAR = {
    "situation": r"\b(?:when i was|at my (?:last|previous|current|old) (?:job|company|role|team)|in my (?:last|previous|current) (?:job|role)|we had|there was|our team|last year|in 20\d\d|a few (?:months|years) ago|the context|the situation|i was working)\b",
    "task": r"\b(?:my (?:goal|task|job|role|responsibility) was|i was (?:responsible|asked|tasked|in charge)|(?:i|we) needed to|had to|the (?:goal|aim|challenge|problem|issue) was|objective|deadline|in order to)\b",
    "action": r"\b(?:i (?:\w+ed|built|wrote|led|set up|ran|took|made|spoke|met|found|chose|gave|sent|began|brought|did|got|put|told|drew|held|kept|went|sought|taught|drove|rewrote|broke|caught)|so i|then i|first i|my approach)\b",
    "result": r"\b(?:as a result|resulted|result was|outcome|in the end|eventually|ended up|which (?:led|meant)|increas\w*|reduc\w*|improv\w*|sav\w*|grew|cut|dropp\w*|achiev\w*|deliver\w*|won|lesson|learn\w*)\b",
}
TECH_STRUCTURE = {
    "sequence": r"\b(?:first(?:ly)?|second(?:ly)?|then|next|after that|finally|step|start by|begin by)\b",
    "reasoning": r"\b(?:because|so that|therefore|which means|since|the reason|that way|in order to)\b",
    "example": r"\b(?:for example|for instance|e\.g\.|such as|in practice|like when|imagine)\b",
    "tradeoff": r"\b(?:trade-?offs?|however|on the other hand|downside|drawback|depends|but if|alternatively|pros? and cons?|cost)\b",
}
SITUATION_STRUCTURE = {
    "first_step": r"\b(?:first(?:ly)?|start by|begin by|i would (?:start|begin)|immediately|right away|my first)\b",
    "people": r"\b(?:talk to|speak (?:to|with)|ask|inform|escalate|involve|manager|customer|stakeholders?|team|colleague|client|listen)\w*\b",
    "plan": r"\b(?:then|next|after that|plan|prioriti[sz]e|options?|propose|agree)\b",
    "check": r"\b(?:measure|follow(?: |-)?up|check|make sure|ensure|success|monitor|verify|feedback|review|learn)\w*\b",
}
_UNIT = r"(?:%|percent|per ?cent|times|hours?|days?|weeks?|months?|years?|minutes?|seconds?|people|users|customers|clients|tickets|engineers|dollars|euros|pounds)"
# Numbers said in words (spoken answers are transcribed so): a count with a unit, e.g. "thirty percent", "twenty-five users".
_SPELLED = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
            r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen"
            r"|nineteen|a hundred|(?:one|two|three|four|five|six|seven|eight|nine|ten) (?:hundred|thousand|million)|a dozen|dozens of|half a)")
NUMBER = (r"\b\d[\d,.]*\s?(?:%|percent|k|m|x|times|hours?|days?|weeks?|months?|years?|minutes?|people|users|customers|ms|seconds?)?"
          r"|[$€£]\s?\d[\d,.]*\s?[kmb]?|\b" + _SPELLED + r"\s" + _UNIT + r"(?!\w)")
TIMEFRAME = r"\b(?:within|over|in|after|by) (?:a|an|one|two|three|four|five|six|\d+|the (?:next|first|last)) ?(?:few )?(?:hours?|days?|weeks?|months?|quarters?|years?|sprints?)\b|\b(?:q[1-4]|20\d\d|per (?:day|week|month|year))\b"
OUTCOME = r"\b(?:increas|reduc|improv|sav|grew|grow|cut|dropp|doubl|tripl|boost|lower|rais|won|achiev|exceed|shipp|launch|deliver)\w*\b"
OWN_VERB = r"\bI(?:'d| would| will)? (?!think\b|guess\b|believe\b|feel\b|mean\b|suppose\b|am\b|was\b|have\b|had\b|don't\b|do\b|did not\b|can't\b|know\b|like\b|hope\b)([a-z]+(?:ed|ized|ised)?)\b"
WE = r"\bwe\b"


def analyze(question: Question, answer: str, *, role_keywords: list[str] | None = None) -> Assessment:
    """Score an answer to a question on every dimension, with evidence."""
    toks = tokens(answer)
    covered, missing, depth_evidence = _coverage(question.points, toks, answer)
    dims = [
        _relevance(question, answer, role_keywords or [], bool(covered)),
        _depth(question.points, covered, missing, depth_evidence),
        _structure(question.kind, answer),
        _specificity(answer),
        _ownership(question.kind, answer),
        _clarity(question.kind, answer, len(toks)),
    ]
    return Assessment(
        dimensions=dims, overall=overall(question.kind, dims), covered_points=[p.id for p in covered],
        missing_points=[p.label for p in missing], missing_point_ids=[p.id for p in missing], word_count=len(toks),
    )


def overall(kind: Kind, dims: list[DimensionScore]) -> int:
    """Combine dimension scores into 0-100: weighted mean rescaled, capped when off the question."""
    weights = WEIGHTS[kind]
    mean = sum(weights[d.dimension] * d.score for d in dims) / sum(weights[d.dimension] for d in dims)
    score = round((mean - 1) / 4 * 100)
    relevance = next(d.score for d in dims if d.dimension == "relevance")
    return min(score, OFF_QUESTION_CAP) if relevance == 1 else score


def _coverage(points: list[TalkingPoint], toks, answer: str):
    covered, missing, evidence = [], [], []
    for p in points:
        span = next((s for kw in p.keywords if (s := find_phrase(toks, kw))), None)
        if span:
            covered.append(p)
            evidence.append(Evidence(quote=quote(answer, *span), note=p.label))
        else:
            missing.append(p)
    missing.sort(key=lambda p: -p.weight)
    return covered, missing, evidence


def _best_sentence(answer: str, wanted: set[str]) -> tuple[str, int]:
    best, hits = "", 0
    for s, e in sentences(answer):
        n = len(content_stems(answer[s:e]) & wanted)
        if n > hits:
            best, hits = answer[s:e].strip(), n
    return best[:200], hits


def _relevance(question: Question, answer: str, role_keywords: list[str], any_covered: bool) -> DimensionScore:
    wanted = content_stems(" ".join([question.text, question.clarification, *role_keywords,
                                     *(kw for p in question.points for kw in p.keywords)]))
    hits = len(content_stems(answer) & wanted)
    score = 1 if hits == 0 else 2 if hits <= 1 else 3 if hits <= 3 else 4 if hits <= 6 or not any_covered else 5
    best, _ = _best_sentence(answer, wanted)
    if any_covered and score < 3:
        score = 3
    terms = f"{hits} relevant term{'s' if hits != 1 else ''}"
    why = ("Does not address the question." if score == 1 else
           f"Touches the question ({terms})." if score <= 3 else f"Stays on the question ({terms}).")
    return DimensionScore(dimension="relevance", score=score, rationale=why,
                          evidence=[Evidence(quote=best, note="most on-topic sentence")] if best else [])


def _depth(points, covered, missing, evidence) -> DimensionScore:
    total = sum(p.weight for p in points)
    share = sum(p.weight for p in covered) / total if total else 0.0
    score = 1 + int(4 * share + 0.5)  # half up: each quarter of the weight covered earns a level
    why = f"Covers {len(covered)} of {len(points)} talking points"
    why += f"; missing: {', '.join(p.label for p in missing[:3])}." if missing else "."
    return DimensionScore(dimension="depth", score=score, rationale=why, evidence=evidence[:4])


def _markers(answer: str, patterns: dict[str, str]) -> dict[str, str]:
    found = {}
    for name, rx in patterns.items():
        if m := re.search(rx, answer, re.IGNORECASE):
            found[name] = quote(answer, m.start(), m.end(), limit=100)
    return found


def _structure(kind: Kind, answer: str) -> DimensionScore:
    patterns = {Kind.behavioral: STAR, Kind.technical: TECH_STRUCTURE, Kind.situational: SITUATION_STRUCTURE}[kind]
    found = _markers(answer, patterns)
    score = min(5, 1 + len(found))
    absent = [n.replace("_", " ") for n in patterns if n not in found]
    label = "STAR" if kind is Kind.behavioral else "structure"
    why = f"{label}: has {', '.join(found) or 'none of the parts'}" + (f"; lacks {', '.join(absent)}." if absent else ".")
    return DimensionScore(dimension="structure", score=score, rationale=why,
                          evidence=[Evidence(quote=q, note=n) for n, q in found.items()][:4])


def _specificity(answer: str) -> DimensionScore:
    found = {}
    for name, rx in (("numbers", NUMBER), ("time frame", TIMEFRAME), ("outcome", OUTCOME)):
        matches = list(re.finditer(rx, answer, re.IGNORECASE))
        if matches:
            found[name] = (matches, quote(answer, matches[0].start(), matches[0].end(), limit=100))
    names = _named_things(answer)
    if names:
        first = names[0]
        found["named tools or places"] = (names, quote(answer, first.start, first.end, limit=100))
    score = 1 + len(found)
    if "numbers" in found and len(found["numbers"][0]) >= 2 and score < 5:
        score += 1
    why = f"Concrete detail: {', '.join(found) or 'none'}." + ("" if found.get("numbers") else " No numbers.")
    return DimensionScore(dimension="specificity", score=min(5, score), rationale=why,
                          evidence=[Evidence(quote=q, note=n) for n, (_, q) in found.items()][:4])


def _named_things(answer: str) -> list:
    """Return the tokens of capitalised names that do not open a sentence (tools, products, places)."""
    starts = {s for s, _ in sentences(answer)}
    found, seen = [], set()
    for t in tokens(answer):
        opens_sentence = any(answer[s:t.start].strip() == "" for s in starts if s <= t.start)
        is_name = len(t.text) >= 2 and t.text[0].isupper() and t.text not in ("I'm", "I've", "I'd", "I'll")
        if is_name and not opens_sentence and t.text not in seen:
            seen.add(t.text)
            found.append(t)
    return found


def _ownership(kind: Kind, answer: str) -> DimensionScore:
    mine = [quote(answer, m.start(), m.end(), limit=60) for m in re.finditer(OWN_VERB, answer)]
    mine += [quote(answer, m.start(), m.end(), limit=60) for m in re.finditer(r"\bmy (?:approach|plan|decision|idea|role)\b", answer, re.I)]
    ours = len(re.findall(WE, answer, re.IGNORECASE))
    n = len(mine)
    score = 1 if n == 0 else 3 if n == 1 else 4 if n == 2 else 5
    if n == 0 and ours:
        score = 2
    if ours > 2 * max(n, 1) and score > 2:
        score -= 1
    why = f"{_count(n, 'statement')} of what you did or would do yourself; 'we' {_count(ours, 'time')}."
    return DimensionScore(dimension="ownership", score=score, rationale=why,
                          evidence=[Evidence(quote=q, note="your own action") for q in dict.fromkeys(mine)][:3])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _clarity(kind: Kind, answer: str, words: int) -> DimensionScore:
    spans = sentences(answer) or [(0, len(answer))]
    longest = max(spans, key=lambda se: len(tokens(answer[se[0]:se[1]])))
    avg = words / len(spans)
    fillers = sum(filler_counts(answer).values())
    hedges = sum(count_phrases(answer, HEDGES).values())
    score, notes = 5, []
    low = 15 if kind is Kind.technical else 25
    if words < low:
        score -= 2 if words < low / 2 else 1
        notes.append(f"short ({words} words)")
    if words > 320:
        score -= 1
        notes.append(f"long ({words} words)")
    if avg > 30:
        score -= 1
        notes.append(f"long sentences (about {avg:.0f} words each)")
    if words and fillers * 100 / words > 3:
        score -= 1
        notes.append(f"{fillers} filler words")
    if hedges > 3:
        score -= 1
        notes.append(f"{hedges} hedges")
    evidence = [Evidence(quote=quote(answer, *longest, limit=160), note="longest sentence")] if words else []
    return DimensionScore(dimension="clarity", score=max(1, score), rationale="Clear and concise." if not notes else "; ".join(notes).capitalize() + ".",
                          evidence=evidence)
