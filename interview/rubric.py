"""Score an answer in code, per dimension (1-5), each score resting on quoted words of the answer.

Dimensions: relevance, depth (talking-point coverage), structure (STAR for behavioral questions),
specificity, ownership and clarity. The overall 0-100 is the weighted mean of the dimensions
rescaled, capped when the answer is off the question: it is computed, never invented.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import semantic
from .bank import load_bank
from .errors import BankError
from .flaws import FlawHit, find_flaws
from .models import Assessment, DimensionScore, Evidence, Flaw, FlawNote, Kind, Question
from .text import (
    HEDGES,
    STOPWORDS,
    content_stems,
    content_weights,
    count_phrases,
    filler_counts,
    find_phrase,
    quote,
    sentences,
    tokens,
)

DIMENSIONS = ("relevance", "depth", "structure", "specificity", "ownership", "clarity")
CODING_DIMENSIONS = ("correctness", "efficiency", "code_clarity", "explanation")  # scored in interview/coding/assess.py
LABELS = {
    "relevance": "Relevance",
    "depth": "Depth / role knowledge",
    "structure": "Structure",
    "specificity": "Specificity",
    "ownership": "Ownership",
    "clarity": "Clarity & concision",
    "correctness": "Correctness (tests)",
    "efficiency": "Efficiency",
    "code_clarity": "Code clarity",
    "explanation": "Explaining your solution",
}
# What is said weighs most: substance (talking points, agreement with a strong answer) carries the score and
# delivery refines it, so a long answer full of story markers cannot outscore a short correct one. Relevance caps.
SUBSTANCE_SHARE = {Kind.technical: 0.8, Kind.coding: 0.8, Kind.behavioral: 0.6, Kind.situational: 0.65}
DELIVERY_WEIGHTS = {
    Kind.behavioral: {"structure": 1.0, "specificity": 1.0, "ownership": 1.0, "clarity": 0.5},
    Kind.technical: {"structure": 1.0, "specificity": 0.5, "ownership": 0.25, "clarity": 1.0},
    Kind.situational: {"structure": 1.0, "specificity": 0.5, "ownership": 1.0, "clarity": 0.75},
}
DELIVERY_WEIGHTS[Kind.coding] = DELIVERY_WEIGHTS[Kind.technical]  # a coding question's chat answers, scored as talk
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
_SPELLED = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen"
    r"|nineteen|a hundred|(?:one|two|three|four|five|six|seven|eight|nine|ten) (?:hundred|thousand|million)|a dozen|dozens of|half a)"
)
NUMBER = (
    r"\b\d[\d,.]*\s?(?:%|percent|k|m|x|times|hours?|days?|weeks?|months?|years?|minutes?|people|users|customers|ms|seconds?)?"
    r"|[$€£]\s?\d[\d,.]*\s?[kmb]?|\b" + _SPELLED + r"\s" + _UNIT + r"(?!\w)"
)
TIMEFRAME = r"\b(?:within|over|in|after|by) (?:a|an|one|two|three|four|five|six|\d+|the (?:next|first|last)) ?(?:few )?(?:hours?|days?|weeks?|months?|quarters?|years?|sprints?)\b|\b(?:q[1-4]|20\d\d|per (?:day|week|month|year))\b"
OUTCOME = r"\b(?:increas|reduc|improv|sav|grew|grow|cut|dropp|doubl|tripl|boost|lower|rais|won|achiev|exceed|shipp|launch|deliver)\w*\b"
OWN_VERB = r"\bI(?:'d| would| will)? (?!think\b|guess\b|believe\b|feel\b|mean\b|suppose\b|am\b|was\b|have\b|had\b|don't\b|do\b|did not\b|can't\b|know\b|like\b|hope\b)([a-z]+(?:ed|ized|ised)?)\b"
WE = r"\bwe\b"


@dataclass(frozen=True, slots=True)
class PointVerdict:
    """A judge's verdict on one talking point (the LLM interviewer gives these); the formula stays in code."""

    verdict: Literal["covered", "contradicted", "absent"]
    quote: str = ""


# Reference similarity counts for more on knowledge questions (one right answer) than on stories (many good ones).
CONTENT_SHARE = {Kind.technical: 0.6, Kind.coding: 0.6, Kind.behavioral: 0.3, Kind.situational: 0.4}
QUESTION_WORD_WEIGHT = 0.1  # reference words the question already contains prove little (Mohler et al. 2011)
FLAW_CAP = 30  # an answer with a misconception or a red flag cannot score above this
FLAW_STEP = 5  # each further distinct misconception or red flag lowers that cap by this much ...
FLAW_FLOOR = 15  # ... down to this
MAX_SENTENCES = 40  # sentences of an answer embedded (the model reads 512 tokens of a text at most anyway)
MAX_EMBED_CHARS = 600
PRECISION_WEIGHT = 0.2  # the share of the answer's own words found in the reference: a small second signal
STRONG_GAIN = 0.4  # beyond this gain the meaning alone says the answer agrees: each further step counts double
COVER_WEIGHT = 0.8  # sentence-by-sentence cover of the reference: what an answer in other words still shares
MAX_PARTS = 12  # reference sentences compared one by one
MIN_PARTS = 2  # a one-sentence reference: the whole-answer gain already says it
POINT_GAIN = 0.42  # a sentence covers a talking point by meaning when it moves this far from the question to the point


def analyze(
    question: Question,
    answer: str,
    *,
    role_keywords: list[str] | None = None,
    verdicts: dict[str, PointVerdict] | None = None,
    others: list[Question] | None = None,
) -> Assessment:
    """Score an answer to a question on every dimension, with evidence.

    ``verdicts`` (from a model judge) decide the talking points instead of the matching in code, quotes verified;
    ``others`` are the questions an answer could have been meant for instead (an answer to one of them is capped).
    """
    toks = tokens(answer)
    sem = _Semantics.build(question, answer, others or [])
    real = _real_sentences(answer)
    covered, missing, depth_evidence, contradicted = _coverage(question, answer, real, sem, verdicts)
    hits = [*find_flaws(question, answer), *contradicted]
    content = _content(question, answer, sem)
    echo = _echo(question, answer, content)
    elsewhere = None if echo else _elsewhere(question, answer, sem, content)
    depth, substance = _depth(
        question, covered, missing, depth_evidence, content, real, hits, judged=verdicts is not None
    )
    dims = [
        _relevance(
            question, answer, role_keywords or [], bool(covered), echo=echo, elsewhere=elsewhere, content=content
        ),
        depth,
        _structure(question.kind, answer),
        _specificity(answer),
        _ownership(question.kind, answer, hits),
        _clarity(question.kind, answer, len(toks), real),
    ]
    if not real:  # a bare list of words is not an answer: it shows no structure or delivery either
        dims = _not_sentences(dims)
    score = overall(question.kind, dims, substance)
    if hits:
        score = min(score, flaw_cap(len({h.flaw.id for h in hits})))
    return Assessment(
        dimensions=dims,
        overall=score,
        covered_points=[p.id for p in covered],
        missing_points=[p.label for p in missing],
        missing_point_ids=[p.id for p in missing],
        word_count=len(toks),
        flaws=_flaw_notes(hits),
        off_question=elsewhere.text if elsewhere else "",
        echo=echo,
        assessor=sem.assessor,
    )


def _not_sentences(dims: list[DimensionScore]) -> list[DimensionScore]:
    """Score 1 on every dimension but relevance and depth, for an answer that is only a list of words."""
    return [
        d
        if d.dimension in ("relevance", "depth")
        else d.model_copy(
            update={
                "score": 1,
                "rationale": "Not written as sentences: a list of words shows no " + LABELS[d.dimension].lower() + ".",
            }
        )
        for d in dims
    ]


def _flaw_notes(hits) -> list[FlawNote]:
    """The misconceptions and red flags found, as the assessment shows them."""
    return [
        FlawNote(
            id=h.flaw.id,
            kind=h.kind,
            claim=h.flaw.claim,
            correction=h.flaw.correction,
            quote=h.quote,
            follow_up=h.flaw.follow_up,
        )
        for h in hits
    ]


def flaw_cap(distinct: int) -> int:
    """The highest score an answer with this many distinct misconceptions or red flags can get."""
    return max(FLAW_FLOOR, FLAW_CAP - FLAW_STEP * (distinct - 1))


def overall(kind: Kind, dims: list[DimensionScore], substance: float | None = None) -> int:
    """Combine the dimensions into 0-100: what was said (substance) weighs most, delivery refines it.

    ``substance`` (0-1) is the depth judgement before rounding to a level; without it the depth level stands in.
    An answer off the question (relevance 1) is capped at OFF_QUESTION_CAP.
    """
    by = {d.dimension: d.score for d in dims}
    if substance is None:
        substance = (by["depth"] - 1) / 4
    weights = DELIVERY_WEIGHTS[kind]
    delivery = sum(w * (by[name] - 1) / 4 for name, w in weights.items()) / sum(weights.values())
    share = SUBSTANCE_SHARE[kind]
    score = round(100 * (share * substance + (1 - share) * delivery))
    return min(score, OFF_QUESTION_CAP) if by["relevance"] == 1 else score


# --- meaning ------------------------------------------------------------------------------------------------


def reference_of(question: Question) -> str:
    """The answer an answer is compared with: one supplied with the question, else the bank's model answer."""
    if question.reference_answer:
        return question.reference_answer
    return " ".join(question.model_answer) if question.role_id != "custom" else ""


@dataclass
class _Semantics:
    """Embeddings of the answer and what it is compared with, or nothing when the model is unavailable."""

    assessor: str
    answer: np.ndarray | None = None
    sentences: np.ndarray | None = None  # one row per entry of _real_sentences(answer)
    question: np.ndarray | None = None
    reference: np.ndarray | None = None
    points: np.ndarray | None = None
    others: np.ndarray | None = None  # "question + model answer" of each other question
    other_texts: tuple[str, ...] = ()
    here: np.ndarray | None = None  # the same for this question
    parts: np.ndarray | None = None  # one row per sentence of the reference (reference_parts)

    @classmethod
    def build(cls, question: Question, answer: str, others: list[Question]) -> _Semantics:
        if not semantic.enabled() or not answer.strip():
            return cls(assessor="rubric (words only)")
        real = [answer[s:e].strip()[:MAX_EMBED_CHARS] for s, e in _real_sentences(answer)][:MAX_SENTENCES]
        ref = reference_of(question)
        parts = reference_parts(question)
        fixed = [
            question.text,
            ref or question.text,
            *(p.label for p in question.points),
            _profile(question),
            *(_profile(q) for q in others),
            *parts,
        ]
        # The whole answer is the mean of its sentences when it has several: the model's cost grows faster than
        # the text (a 2,400-character answer costs about 0.8 s at once, its sentences a third of that).
        whole = [] if len(real) >= 2 else [answer[:MAX_EMBED_CHARS]]
        if _in_bank(question):  # a bounded set of texts: kept for good, so a stream of answers never evicts them
            fixed_vecs = semantic.vectors(fixed, pin=True)
            said = semantic.vectors([*whole, *real])
            vecs = None if fixed_vecs is None or said is None else np.vstack([fixed_vecs, said])
        else:
            vecs = semantic.vectors([*fixed, *whole, *real])
        if vecs is None:
            return cls(assessor=f"rubric (words only; embedding model {semantic.status()})")
        n = len(question.points)
        o = 2 + n + 1 + len(others)
        a = o + len(parts)
        sents = vecs[a + len(whole) :]
        if whole:
            answer_vec = vecs[a]
        else:
            mean = (sents * np.array([len(t.split()) for t in real], dtype=sents.dtype)[:, None]).sum(axis=0)
            answer_vec = mean / max(1e-9, float(np.linalg.norm(mean)))
        return cls(
            assessor=f"rubric + {semantic.MODEL_NAME}",
            question=vecs[0],
            reference=vecs[1] if ref else None,
            points=vecs[2 : 2 + n],
            here=vecs[2 + n],
            others=vecs[3 + n : o],
            parts=vecs[o:a] if parts else None,
            answer=answer_vec,
            sentences=sents,
            other_texts=tuple(q.text for q in others),
        )


def _in_bank(question: Question) -> bool:
    """True for a question of the built-in bank as it stands there (its texts are a bounded set)."""
    if question.reference_answer:
        return False
    try:
        bank = load_bank().get(question.role_id)
    except BankError:
        return False
    return bank is not None and any(q.id == question.id and q.text == question.text for q in bank.questions)


def bank_texts(questions: list[Question]) -> list[str]:
    """The texts the rubric embeds for bank questions, to warm the cache before the first answer."""
    out = []
    for q in questions:
        out += [q.text, reference_of(q) or q.text, *(p.label for p in q.points), _profile(q), *reference_parts(q)]
    return out


def reference_parts(question: Question) -> list[str]:
    """The reference answer sentence by sentence (the bank's model answer is written as its sentences)."""
    if question.reference_answer:
        ref = question.reference_answer
        return [ref[s:e].strip()[:MAX_EMBED_CHARS] for s, e in sentences(ref) if len(ref[s:e].split()) >= 2][:MAX_PARTS]
    return list(question.model_answer[:MAX_PARTS]) if question.role_id != "custom" else []


def _profile(q: Question) -> str:
    return " ".join([q.text, *q.model_answer]) if q.role_id != "custom" else q.text


def _content(question: Question, answer: str, sem: _Semantics) -> float | None:
    """Agreement with the reference answer, 0-1: its words (question words demoted) and, with the model, its meaning.

    Words: the share of the reference's content words the answer says, rare words weighing more than everyday
    ones (``text.rarity``; numbers in words count as digits), and a little for how much of what the answer adds
    is in the reference. Meaning: how far the whole answer moves from the question towards the reference
    (``semantic.gain``), and how well its sentences cover the reference's sentences one by one (what an answer
    in other words still shares). More agreement beyond the full mark still ranks higher, but approaches 1
    instead of stopping at it.
    """
    ref = reference_of(question)
    if not ref:
        return None
    rare = content_weights(ref)
    ref_stems = set(rare)
    q_stems = content_stems(question.text, numbers=True)
    got = content_stems(answer, numbers=True)
    weight = {s: w * QUESTION_WORD_WEIGHT if s in q_stems else w for s, w in rare.items()}
    total = sum(weight.values())
    recall = sum(w for s, w in weight.items() if s in got) / total if total else 0.0
    added = got - q_stems
    precision = len(added & ref_stems) / len(added) if added else 0.0
    if sem.answer is None or sem.reference is None or sem.question is None:
        return _saturate(1.6 * (recall + PRECISION_WEIGHT * precision) / (1 + PRECISION_WEIGHT))
    meaning = semantic.gain(sem.answer, sem.reference, sem.question)
    x = recall + PRECISION_WEIGHT * precision + 0.5 * meaning + max(0.0, meaning - STRONG_GAIN)
    if sem.parts is not None and len(sem.parts) >= MIN_PARTS and sem.sentences is not None and len(sem.sentences):
        x += COVER_WEIGHT * _cover(sem)
    return _saturate(x / 0.9)


def _cover(sem: _Semantics) -> float:
    """How well the answer's sentences cover the reference's, 0-1, measured from where the question sits."""
    assert sem.parts is not None and sem.sentences is not None and sem.question is not None
    best = (sem.sentences @ sem.parts.T).max(axis=0)
    base = sem.parts @ sem.question
    return float(np.clip((best - base) / np.maximum(1e-6, 1.0 - base), 0.0, 1.0).mean())


def _saturate(x: float, knee: float = 0.8) -> float:
    """x up to the knee, then a smooth approach to 1: order is kept among answers past the full mark."""
    if x <= knee:
        return max(0.0, x)
    return knee + (1 - knee) * (1 - math.exp(-(x - knee) / (1 - knee)))


def _real_sentences(answer: str) -> list[tuple[int, int]]:
    """Spans of the sentences that read as sentences: a keyword inside one counts, a list of keywords does not."""
    out = []
    for s, e in sentences(answer):
        words = tokens(answer[s:e])
        if not words or _listy(answer[s:e], len(words)):
            continue
        function = sum(1 for t in words if t.text.lower() in STOPWORDS)
        if len(words) < 6 or function / len(words) >= 0.1:  # a short fragment ("By rows.") is a real answer
            out.append((s, e))
    return out


def _listy(text: str, words: int) -> bool:
    """True for comma-separated fragments ("hashing, buckets, collisions, log n") rather than a sentence."""
    parts = [p for p in re.split(r"[,;/|]", text) if p.strip()]
    return len(parts) >= 4 and words / len(parts) < 3


def _coverage(
    question: Question,
    answer: str,
    real: list[tuple[int, int]],
    sem: _Semantics,
    verdicts: dict[str, PointVerdict] | None,
):
    covered, missing, evidence, contradicted = [], [], [], []
    spans = [(s, e, tokens(answer[s:e])) for s, e in real]
    for i, p in enumerate(question.points):
        quote_ = ""
        if verdicts is not None:
            v = verdicts.get(p.id)
            if v and v.verdict != "absent" and (found := _verified(answer, v.quote)):
                if v.verdict == "covered":
                    quote_ = found
                else:
                    contradicted.append(
                        FlawHit(
                            flaw=Flaw(
                                id=f"contradicts_{p.id}",
                                claim=f"Contradicts: {p.label}",
                                correction=f"A strong answer {p.label[0].lower()}{p.label[1:]}.",
                                triggers=[p.id],
                                follow_up=p.follow_up,
                            ),
                            kind="misconception",
                            quote=found,
                        )
                    )
        else:
            for s, _e, toks in spans:
                span = next((sp for kw in p.keywords if (sp := find_phrase(toks, kw))), None)
                if span:
                    quote_ = quote(answer, s + span[0], s + span[1])
                    break
            if not quote_ and sem.sentences is not None and sem.points is not None and len(sem.sentences):
                assert sem.question is not None
                gains = [semantic.gain(v, sem.points[i], sem.question) for v in sem.sentences]
                best = int(np.argmax(gains))
                if gains[best] >= POINT_GAIN:
                    s, e = real[best]
                    quote_ = quote(answer, s, e, limit=160)
        if quote_:
            covered.append(p)
            evidence.append(Evidence(quote=quote_, note=p.label))
        else:
            missing.append(p)
    missing.sort(key=lambda p: -p.weight)
    return covered, missing, evidence, contradicted


def _verified(answer: str, claimed: str) -> str:
    """The claimed quote as it occurs in the answer (case and spacing aside), or '' when it does not."""
    words = re.findall(r"\w+|[^\w\s]", claimed or "")
    if sum(len(w) for w in words if w[0].isalnum()) < 8:
        return ""
    m = re.search(r"\s*".join(re.escape(w) for w in words), answer, re.IGNORECASE)
    return answer[m.start() : m.end()] if m else ""


@dataclass(frozen=True, slots=True)
class _Elsewhere:
    text: str


def _elsewhere(question: Question, answer: str, sem: _Semantics, content: float | None) -> _Elsewhere | None:
    """The other question this answer fits clearly better, if any (by meaning; needs the model)."""
    if sem.answer is None or sem.others is None or sem.here is None or not len(sem.others):
        return None
    here = float(sem.answer @ sem.here)
    sims = sem.others @ sem.answer
    best = int(np.argmax(sims))
    if float(sims[best]) - here >= ELSEWHERE_MARGIN and (content is None or content < 0.35):
        return _Elsewhere(text=sem.other_texts[best])
    return None


ELSEWHERE_MARGIN = 0.04  # cosine by which another question must fit better


def _echo(question: Question, answer: str, content: float | None = None) -> bool:
    """True when the answer mostly restates the question's own words (a short pick among its options is not that)."""
    got = content_stems(answer)
    asked = content_stems(question.text)
    if len(got) < 2 or (content is not None and content >= 0.5):
        return False
    return len(got) <= len(asked) + 3 and len(got & asked) >= 0.75 * len(got)


def _best_sentence(answer: str, wanted: set[str]) -> tuple[str, int]:
    best, hits = "", 0
    for s, e in sentences(answer):
        n = len(content_stems(answer[s:e]) & wanted)
        if n > hits:
            best, hits = answer[s:e].strip(), n
    return best[:200], hits


def _relevance(
    question: Question,
    answer: str,
    role_keywords: list[str],
    any_covered: bool,
    *,
    echo: bool,
    elsewhere: _Elsewhere | None,
    content: float | None = None,
) -> DimensionScore:
    if echo:
        return DimensionScore(
            dimension="relevance",
            score=1,
            rationale="Repeats the question instead of answering it.",
            evidence=[Evidence(quote=answer.strip()[:200], note="your answer")] if answer.strip() else [],
        )
    if elsewhere is not None:
        where = f' (it fits "{elsewhere.text}" better)' if elsewhere.text else ""
        return DimensionScore(
            dimension="relevance", score=1, rationale=f"Answers a different question{where}.", evidence=[]
        )
    wanted = content_stems(
        " ".join(
            [question.text, question.clarification, *role_keywords, *(kw for p in question.points for kw in p.keywords)]
        )
    )
    hits = len(content_stems(answer) & wanted)
    score = 1 if hits == 0 else 2 if hits <= 1 else 3 if hits <= 3 else 4 if hits <= 6 or not any_covered else 5
    best, _ = _best_sentence(answer, wanted)
    if any_covered and score < 3:
        score = 3
    if content is not None:  # says what a strong answer says, perhaps in other words
        score = max(score, 4 if content >= 0.5 else 3 if content >= 0.3 else 2 if content >= 0.15 else 1)
    terms = f"{hits} relevant term{'s' if hits != 1 else ''}"
    why = (
        "Does not address the question."
        if score == 1
        else f"Touches the question ({terms})."
        if score <= 3
        else f"Stays on the question ({terms})."
    )
    return DimensionScore(
        dimension="relevance",
        score=score,
        rationale=why,
        evidence=[Evidence(quote=best, note="most on-topic sentence")] if best else [],
    )


def _depth(
    question: Question, covered, missing, evidence, content: float | None, real, hits, *, judged: bool = False
) -> tuple[DimensionScore, float]:
    points = question.points
    total = sum(p.weight for p in points)
    share = sum(p.weight for p in covered) / total if total else 0.0
    # The generic rubric's points are about form (an approach, an example); with a reference, meaning decides.
    weight = 1.0 if question.role_id == "custom" else CONTENT_SHARE[question.kind]
    # The model answer covers every point: agreeing with it as a whole is a second estimate of the points covered,
    # for an answer in other words whose sentences match no point one by one. A model judge (``judged``) already
    # read the answer for meaning point by point: its verdicts stand.
    points_est = share if judged or content is None else max(share, content)
    value = share if content is None else (1 - weight) * points_est + weight * content
    score = 1 + int(4 * value + 0.5)  # half up: each quarter earns a level
    why = f"Covers {len(covered)} of {len(points)} talking points"
    why += f"; missing: {', '.join(p.label for p in missing[:3])}." if missing else "."
    if content is not None:
        why += f" Agreement with a strong answer: {round(100 * content)}%."
    if not real:
        score, value, why = 1, 0.0, "A list of words, not an answer: depth needs explanation in sentences."
    wrong = [h for h in hits if h.kind == "misconception"]
    if wrong and score > 2:
        score, value = 2, min(value, 0.3)
        why += f" Capped: {_lower_first(wrong[0].flaw.claim)} is not right."
    dim = DimensionScore(
        dimension="depth",
        score=score,
        rationale=why,
        evidence=[*[Evidence(quote=h.quote, note=f"correction: {h.flaw.correction}") for h in wrong[:1]], *evidence][
            :4
        ],
    )
    return dim, value


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


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
    why = f"{label}: has {', '.join(found) or 'none of the parts'}" + (
        f"; lacks {', '.join(absent)}." if absent else "."
    )
    return DimensionScore(
        dimension="structure",
        score=score,
        rationale=why,
        evidence=[Evidence(quote=q, note=n) for n, q in found.items()][:4],
    )


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
    return DimensionScore(
        dimension="specificity",
        score=min(5, score),
        rationale=why,
        evidence=[Evidence(quote=q, note=n) for n, (_, q) in found.items()][:4],
    )


def _named_things(answer: str) -> list:
    """Return the tokens of capitalised names that do not open a sentence (tools, products, places)."""
    starts = {s for s, _ in sentences(answer)}
    found, seen = [], set()
    for t in tokens(answer):
        opens_sentence = any(answer[s : t.start].strip() == "" for s in starts if s <= t.start)
        is_name = len(t.text) >= 2 and t.text[0].isupper() and t.text not in ("I'm", "I've", "I'd", "I'll")
        if is_name and not opens_sentence and t.text not in seen:
            seen.add(t.text)
            found.append(t)
    return found


def _ownership(kind: Kind, answer: str, hits=()) -> DimensionScore:
    mine = [quote(answer, m.start(), m.end(), limit=60) for m in re.finditer(OWN_VERB, answer)]
    mine += [
        quote(answer, m.start(), m.end(), limit=60)
        for m in re.finditer(r"\bmy (?:approach|plan|decision|idea|role)\b", answer, re.I)
    ]
    ours = len(re.findall(WE, answer, re.IGNORECASE))
    n = len(mine)
    score = 1 if n == 0 else 3 if n == 1 else 4 if n == 2 else 5
    if n == 0 and ours:
        score = 2
    if ours > 2 * max(n, 1) and score > 2:
        score -= 1
    why = f"{_count(n, 'statement')} of what you did or would do yourself; 'we' {_count(ours, 'time')}."
    flags = [h for h in hits if h.kind == "red_flag"]
    if flags and score > 2:
        score = 2
        why += f" Capped: {_lower_first(flags[0].flaw.claim)}."
    evidence = [Evidence(quote=h.quote, note=f"red flag: {h.flaw.correction}") for h in flags[:1]]
    return DimensionScore(
        dimension="ownership",
        score=score,
        rationale=why,
        evidence=[*evidence, *(Evidence(quote=q, note="your own action") for q in dict.fromkeys(mine))][:3],
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def repetition(answer: str) -> float:
    """Share of the answer's word 4-grams that repeat an earlier one (pasted or looping text), 0-1."""
    words = [t.stem for t in tokens(answer)]
    grams = [tuple(words[i : i + 4]) for i in range(len(words) - 3)]
    return 1 - len(set(grams)) / len(grams) if len(grams) >= 8 else 0.0


def _clarity(kind: Kind, answer: str, words: int, real=None) -> DimensionScore:
    spans = sentences(answer) or [(0, len(answer))]
    longest = max(spans, key=lambda se: len(tokens(answer[se[0] : se[1]])))
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
    repeated = repetition(answer)
    if repeated > 0.2:
        score -= 3 if repeated > 0.5 else 2
        notes.append(f"repeats itself ({round(100 * repeated)}% of the wording is repeated)")
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
    return DimensionScore(
        dimension="clarity",
        score=max(1, score),
        rationale="Clear and concise." if not notes else "; ".join(notes).capitalize() + ".",
        evidence=evidence,
    )
