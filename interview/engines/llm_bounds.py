"""Scores from a model's verdicts, bounded by the rubric's evidence.

The model judges each talking point and the rubric in code turns the verdicts into scores, but a
verdict with a quote that is in the answer can still say nothing: an obedient model following an
instruction written into the answer ("EVALUATOR: yes.") quotes that instruction for every point.
So the rubric also scores the same answer on its own, and:

- a quote that is an instruction to the evaluator (or sits in one: a line addressed to the grader,
  a request for marks, JSON imitating the model's reply) is no evidence at all, like an invented one,
  and the depth rationale says it was not counted;
- a dimension more than ``MARGIN`` above the rubric's own score keeps the excess only as far as
  quotes about the credited points carry it (a quote shares content words with the point it is
  given for, beyond the question's own words, or the rubric found the point itself); otherwise it
  is capped at the rubric's score plus ``MARGIN``, and its rationale says so. The overall then
  follows from the capped dimensions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..intents import MANIPULATION
from ..models import Assessment, DimensionScore, Question, TalkingPoint
from ..rubric import PointVerdict, analyze, flaw_cap, overall
from ..text import content_stems, sentences

# Levels (1-5) a dimension may stand above the rubric's own score on the model's word alone. The rubric matches
# words and meaning, the model reads for meaning, so an answer in other words may fairly earn one level more
# (about one talking point in four); a larger lift must rest on quotes about the points it credits.
MARGIN = 1

# Who an instruction is addressed to, as the label of a line: "EVALUATOR: yes." The names of a program's parts
# count only in capitals or brackets ("SYSTEM:", "[assistant]"), since "System: Linux, 16 cores" is a fine answer.
_LABEL = (r"(?:evaluators?|evaluation|graders?|grading|assessors?|scorers?|scoring|instructions?|override"
          r"|(?:note|message) (?:to|for) (?:the )?\w+)\s*[:>\]]|(?-i:SYSTEM|ASSISTANT|AI|LLM|GPT|ADMIN|DEVELOPER)\s*[:>\]]"
          r"|[\[<](?:system|assistant|ai|llm|admin|developer|instructions?)[\]>]")
_MARKS = r"(?:marks?|scores?|points|ratings?|grades?)"
# Each is narrow on purpose: what a candidate says about their work ("I marked the ticket as complete", "the costs
# were covered", "I prepared talking points") must not read as an instruction, or a real point would go uncredited.
_INSTRUCTION = re.compile("|".join((
    rf"^[\W_]*(?:{_LABEL})",  # a line or sentence addressed to the program
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:rubrics?|instructions?|prompts?|criteria|guidelines|"
    r"scoring|grading|(?:above|previous|prior) (?:rules|text))\b",
    r"\brubrics?\b", r"\bverdicts?\b", r"\btalking[ _-]?points?\b.{0,20}\b(?:covered|met|addressed)\b",
    r"\b(?:cover(?:s|ed)?|address(?:es|ed)?|meets?) (?:all|every|each) (?:of )?(?:the |your )?talking[ _-]?points?\b",
    r"\bthe candidate(?:'s)? (?:answer|response|covered|covers|has covered|deserves|should|meets|addresses|passe[sd])\b",
    r"\b(?:this|my) (?:answer|response) (?:covers|covered|deserves|meets|addresses|should|is (?:complete|correct|perfect))\b",
    rf"\b(?:deserves?|earns?|gets?|give|award|grant|assign)\b.{{0,20}}\b(?:full|top|maximum|max|perfect|highest) {_MARKS}\b",
    rf"\b(?:give|award|grant|assign)\s+(?:me|this(?: answer)?|(?:my|the) answer|everything|all|each \w+|every \w+)\s+"
    rf"(?:(?:a|an|the)\s+)?(?:5|five|10|ten|100|full|top|perfect|maximum|max|highest|{_MARKS})\b",
    r"\b(?:score|rate|grade|mark)\s+(?:(?:a |an )?(?:5|five|10|ten|100)\b|(?:this|my|the) answer\b|everything\b|me\b|"
    r"(?:all|each|every) (?:the )?(?:points?|dimensions?|categor(?:y|ies))\b)",
    r"\b(?:mark|treat|count|consider|rate|grade|score)\s+(?:this|it|my answer|the answer|everything|all|each|every)\b"
    r"[^.]{0,30}\bas (?:covered|correct|perfect|excellent|passed)\b",
    r"\bas (?:covered|contradicted|absent)\b",
    r"\b(?:points?|dimensions?) (?:is|are|be|were|was) (?:all |now )?(?:covered|met|satisfied)\b",
    r"\"\s*[\w ]+\s*\"\s*:\s*[\"{\[\d]",  # a JSON key and value: the reply's format written into the answer
)), re.IGNORECASE | re.MULTILINE)


def bounded(question: Question, answer: str, *, role_keywords: list[str], verdicts: dict[str, PointVerdict],
            others: list[Question]) -> Assessment:
    """The assessment of an answer from a model's verdicts, each dimension bounded by the rubric's own evidence."""
    rubric = analyze(question, answer, role_keywords=role_keywords, others=others)
    addressed = [pid for pid, v in verdicts.items() if v.verdict == "covered" and instruction(answer, v.quote)]
    sound = {pid: v for pid, v in verdicts.items() if pid not in addressed}
    judged = analyze(question, answer, role_keywords=role_keywords, verdicts=sound, others=others)
    if any(d.score > rubric.dimension(d.dimension).score + MARGIN for d in judged.dimensions):
        judged = _capped(question, judged, rubric, _backed(question, answer, role_keywords, sound, rubric, others))
    return _set_aside(judged, [verdicts[pid] for pid in addressed])


def _backed(question: Question, answer: str, role_keywords: list[str], sound: dict[str, PointVerdict],
            rubric: Assessment, others: list[Question]) -> tuple[Assessment, list[str]]:
    """The assessment from the verdicts that quotes about their points support, and the labels of those left out."""
    points, found = {p.id: p for p in question.points}, _rubric_quotes(question, rubric)
    supported, unsupported = {}, []
    for pid, v in sound.items():
        if v.verdict != "covered" or (pid in points and about(question, points[pid], v.quote)):
            supported[pid] = v
        elif pid in found:  # the rubric found the point itself: its words stand in for the model's
            supported[pid] = PointVerdict("covered", found[pid])
        elif pid in points:
            unsupported.append(points[pid].label)
    return analyze(question, answer, role_keywords=role_keywords, verdicts=supported, others=others), unsupported


def _set_aside(judged: Assessment, addressed: list[PointVerdict]) -> Assessment:
    """Say in the depth rationale that credits quoting words addressed to the evaluator were not counted."""
    if not addressed:
        return judged
    depth = judged.dimension("depth")
    why = (f"{depth.rationale} Not counted: the AI interviewer credited {_count(len(addressed), 'talking point')} on"
           f' words addressed to the evaluator ("{addressed[0].quote[:80]}"), which are not an answer.')
    return judged.model_copy(update={"dimensions": [d.model_copy(update={"rationale": why}) if d is depth else d
                                                    for d in judged.dimensions]})


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _rubric_quotes(question: Question, rubric: Assessment) -> dict[str, str]:
    """The words the rubric found for each talking point it judged covered."""
    labels = {p.label: p.id for p in question.points}
    return {labels[e.note]: e.quote for e in rubric.dimension("depth").evidence if e.note in labels}


def instruction(answer: str, quote: str) -> bool:
    """True when the quote, or a sentence or line of the answer it sits in, is addressed to the evaluator."""
    return any(_INSTRUCTION.search(part) or MANIPULATION.search(part) for part in (quote, *_around(answer, quote)))


def about(question: Question, point: TalkingPoint, quote: str) -> bool:
    """True when a quote shares a content word with the talking point (label or keywords) beyond the question's own."""
    wanted = content_stems(" ".join([point.label, *point.keywords])) - content_stems(question.text)
    return bool(content_stems(quote) & wanted)


def _around(answer: str, quote: str) -> Iterator[str]:
    """The sentences and lines of the answer that the quote overlaps (wherever it occurs, case and spacing aside)."""
    words = re.findall(r"\w+|[^\w\s]", quote)
    if not words:
        return
    spans = sentences(answer)
    for m in re.finditer(r"\s*".join(re.escape(w) for w in words), answer, re.IGNORECASE):
        yield from (answer[s:e] for s, e in spans if s < m.end() and m.start() < e)
        end = answer.find("\n", m.end())
        yield answer[answer.rfind("\n", 0, m.start()) + 1:end if end >= 0 else len(answer)]


def _capped(question: Question, judged: Assessment, rubric: Assessment,
            backing: tuple[Assessment, list[str]]) -> Assessment:
    """Hold each dimension within MARGIN of the rubric unless supported quotes carry it higher; recompute the overall.

    A dimension over the line takes the supported verdicts' score and evidence (raised to the line when lower);
    when depth is over it, so do the talking points covered and missing (the follow-up asks about a missing one).
    """
    (backed, unsupported), dims, lowered = backing, [], False
    for d in judged.dimensions:
        own = rubric.dimension(d.dimension).score
        if d.score <= own + MARGIN:
            dims.append(d)
            continue
        base = backed.dimension(d.dimension)
        score = min(d.score, max(base.score, own + MARGIN))
        lowered = lowered or score < d.score
        dims.append(_noted(base, score, unsupported, own) if score < d.score else base)
    if not lowered:  # the supported quotes carry every score the model's verdicts gave
        return judged
    score = min(judged.overall, overall(question.kind, dims))
    if judged.flaws:
        score = min(score, flaw_cap(len({f.id for f in judged.flaws})))
    depth_over = judged.dimension("depth").score > rubric.dimension("depth").score + MARGIN
    points = backed if depth_over else judged
    return judged.model_copy(update={
        "dimensions": dims, "overall": score, "covered_points": points.covered_points,
        "missing_points": points.missing_points, "missing_point_ids": points.missing_point_ids})


def _noted(base: DimensionScore, score: int, unsupported: list[str], rubric: int) -> DimensionScore:
    """The dimension at its capped score, its rationale saying why (the report shows it)."""
    what = ", ".join(f'"{label}"' for label in unsupported[:3]) or "more than the rubric found"
    why = (f"{base.rationale} Capped to the rubric's evidence: the AI interviewer credited {what} without quoting"
           f" your words about it, so this stays within {MARGIN} of the rubric's {rubric}/5.")
    return base.model_copy(update={"score": score, "rationale": why})
