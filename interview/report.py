"""Build the feedback report from a session's assessments, and export it as Markdown."""

from __future__ import annotations

import re

from .coding.assess import last_submission, ms, stated_complexity
from .coding.flow import explanation, problem_of, work_of
from .models import (
    AskedQuestion,
    CodingReport,
    CommunicationStats,
    FlawNote,
    Highlight,
    QuestionReport,
    Report,
    SessionState,
)
from .rubric import CODING_DIMENSIONS, DIMENSIONS, LABELS
from .text import HEDGES, count_phrases, escape_markdown, filler_counts, word_count

ADVICE = {
    "relevance": "Answer the question asked first, in one sentence, before adding background.",
    "depth": "Cover the talking points a strong answer needs; the model-answer outlines below show them.",
    "structure": "Use STAR for stories (Situation, Task, Action, Result) and first/then/finally for explanations.",
    "specificity": (
        "Add numbers, time frames, tools and outcomes: '30% fewer tickets in two months' beats 'it improved'."
    ),
    "ownership": "Say what you did yourself: 'I decided', 'I built', not only 'we'.",
    "clarity": "Keep answers to one to two minutes; shorter sentences, fewer fillers and hedges.",
    "correctness": (
        "Run the examples, then add your own edge cases (empty, one element, duplicates, extremes) before you submit."
    ),
    "efficiency": (
        "Say the time and space complexity out loud, then ask whether a hash map, two pointers or sorting beats it."
    ),
    "code_clarity": "Use names that say what a value holds, return early instead of nesting, keep functions short.",
    "explanation": "Walk through the approach, why it works, its complexity and the edge cases, in that order.",
}


PRAISE = {
    "relevance": "You answered the question that was asked.",
    "depth": "You covered what a strong answer needs.",
    "structure": "Your answers were easy to follow.",
    "specificity": "You backed your answers with concrete detail.",
    "ownership": "You made clear what you did yourself.",
    "clarity": "Your answers were clear and to the point.",
    "correctness": "Your code produced the right results.",
    "efficiency": "Your solution was efficient.",
    "code_clarity": "Your code was easy to read.",
    "explanation": "You explained your solution well.",
}

STRENGTH_MIN = (
    4.0  # a dimension whose mean reaches this is a strength (when a clean answer shows it); below it, to improve
)
FAULT_NOTES = ("correction:", "red flag:")  # evidence notes that mark a fault, never a strength
# A clause of a rationale that says what was missing or wrong; a strength's detail leaves such clauses out.
NEGATIVE = re.compile(
    r"\b(?:missing|lacks?|no|not|none|nothing|without|capped|short|long|repeats?|fillers?|hedges?|wrong|"
    r"fail\w*|error|crash\w*|ran out|instead|only|did ?n[o']t|does ?n[o']t|is ?n[o']t|check)\b",
    re.IGNORECASE,
)
FLAW_WORDS = {"misconception": "Misconception", "red_flag": "Red flag"}

QUOTE_LABELS = {"test results": "Tests", "test run": "Tests", "measured": "Measured", "your code": "Your code"}


def _label(evidence) -> str:
    return QUOTE_LABELS.get(evidence.note, "You said")


def answer_text(state: SessionState, asked: AskedQuestion) -> str:
    """Return everything the candidate said in answer to one question, in order."""
    return "\n".join(state.turns[i].message for i in asked.answers)


def build_report(state: SessionState) -> Report:
    """Compute the report from the per-question assessments; nothing is invented."""
    entries = [_entry(state, i, a) for i, a in enumerate(state.asked)]
    scored = [(a, e) for a, e in zip(state.asked, entries, strict=True) if a.assessment is not None]
    assessments = [a.assessment for a, _ in scored if a.assessment is not None]  # every scored question's
    dims = _dimension_means(assessments)
    overall = round(sum(a.overall for a in assessments) / len(assessments)) if assessments else None
    notes = _notes(state, len(scored))
    weak = _weak(
        dims
    )  # each dimension's side is decided once, from its mean: strengths reach STRENGTH_MIN, these do not
    report = Report(
        role=state.role.name,
        engine=state.engine,
        overall=overall,
        dimensions=dims,
        asked=len(state.asked),
        answered=len(scored),
        skipped=sum(a.status == "skipped" for a in state.asked),
        questions=entries,
        strengths=_strengths(scored, dims),
        improvements=_improvements(scored, dims, weak),
        communication=_communication(state, [answer_text(state, a) for a, _ in scored]),
        practice_plan=_practice_plan(scored, weak),
        notes=notes,
        assessor="; ".join(dict.fromkeys(_assessor(a) for a in assessments if _assessor(a))),
    )
    if state.summary:
        return report.model_copy(update={"summary": state.summary, "summary_source": state.summary_source or "code"})
    return report.model_copy(update={"summary": narrative(report), "summary_source": "code"})


def _dimension_means(assessments) -> dict[str, float]:
    """Mean score per dimension over the assessments that have it (talk questions and coding ones differ)."""
    out = {}
    for d in (*DIMENSIONS, *CODING_DIMENSIONS):
        scores = [dim.score for a in assessments for dim in a.dimensions if dim.dimension == d]
        if scores:
            out[d] = round(sum(scores) / len(scores), 2)
    return out


def _has(asked: AskedQuestion, dim: str) -> bool:
    return asked.assessment is not None and any(d.dimension == dim for d in asked.assessment.dimensions)


def _assessor(a) -> str:
    """What judged an assessment: the rubric's own account, else the engine that scored it."""
    return a.assessor or a.scored_by


def _weak(dims: dict[str, float]) -> list[str]:
    """The dimensions to improve, weakest first: the three lowest means below STRENGTH_MIN."""
    return [d for d in sorted(dims, key=lambda d: dims[d]) if dims[d] < STRENGTH_MIN][:3]


def _clean(asked: AskedQuestion) -> bool:
    """True when an answer had no deduction that rules it out as the source of a strength."""
    a = asked.assessment
    return a is not None and not a.flaws and not a.echo and not a.off_question


def _is_fault(evidence) -> bool:
    return evidence.note.strip().lower().startswith(FAULT_NOTES)


def narrative(report: Report) -> str:
    """Write the report's summary in code from its own numbers (the fallback when no LLM writes it)."""
    if report.overall is None:
        return (
            f"You were asked {report.asked} question(s) for the {report.role} role and none was answered in full, "
            "so there is no score yet. Try again and answer at least one question to get feedback."
        )
    band = "a strong" if report.overall >= 75 else "a solid" if report.overall >= 55 else "a developing"
    best = next((h.dimension for h in report.strengths if h.dimension in report.dimensions), None)
    worst = next(
        (h.dimension for h in report.improvements if h.kind == "dimension" and h.dimension in report.dimensions), None
    )
    text = (
        f"You gave {band} interview for the {report.role} role: "
        f"{report.overall}/100 over {report.answered} answered question(s)."
    )
    if best:
        text += f" Your clearest strength was {LABELS[best].lower()} ({report.dimensions[best]:.1f}/5)."
    flawed = sum(bool(q.flaws) for q in report.questions)
    if flawed:
        text += (
            f" {flawed} answer(s) showed a misconception or a red flag: fix those first; "
            "the corrections are under what to improve."
        )
    if worst:
        text += (
            f" The most useful thing to work on next is {LABELS[worst].lower()} "
            f"({report.dimensions[worst]:.1f}/5): {ADVICE[worst]}"
        )
    return text


def summary_facts(report: Report) -> dict:
    """The report's facts, compact, for a model to write the narrative from (no raw transcript)."""
    return {
        "role": report.role,
        "overall": report.overall,
        "answered": report.answered,
        "asked": report.asked,
        "skipped": report.skipped,
        "dimensions_1_to_5": {LABELS[d]: v for d, v in report.dimensions.items()},
        "questions": [
            {"question": q.question[:200], "score": q.score, "missing": q.missing_points[:3]} for q in report.questions
        ],
        "strengths": [f"{h.title}: {h.quote[:120]}" for h in report.strengths[:3]],
        "to_improve": [h.title for h in report.improvements[:3]],
        "corrections": [f"{f.claim} -> {f.correction}" for q in report.questions for f in q.flaws][:3],
    }


def _entry(state: SessionState, index: int, asked: AskedQuestion) -> QuestionReport:
    a = asked.assessment
    return QuestionReport(
        index=index,
        question=asked.question.text,
        kind=asked.question.kind,
        difficulty=asked.difficulty,
        status=asked.status,
        answer=answer_text(state, asked),
        follow_ups=asked.follow_ups,
        score=a.overall if a else None,
        dimensions=a.dimensions if a else [],
        missing_points=a.missing_points if a else [],
        model_answer=asked.question.model_answer,
        coding=_coding(state, asked) if asked.code is not None else None,
        flaws=a.flaws if a else [],
        off_question=a.off_question if a else "",
        echo=a.echo if a else False,
        capped=_cap_reasons(a) if a else [],
        assessor=_assessor(a) if a else "",
    )


def _cap_reasons(a) -> list[str]:
    """Why an answer's score was capped, in words for the candidate."""
    out = []
    if a.echo:
        out.append("The answer repeats the question instead of answering it, so its score is capped.")
    if a.off_question:
        out.append(f'This answer seems to address a different question: "{a.off_question}", so its score is capped.')
    counts = {k: len({f.id for f in a.flaws if f.kind == k}) for k in ("misconception", "red_flag")}
    if any(counts.values()):
        what = " and ".join(
            f"a {FLAW_WORDS[k].lower()}" if n == 1 else f"{n} {FLAW_WORDS[k].lower()}s" for k, n in counts.items() if n
        )
        more = sum(counts.values()) > 1
        out.append(
            f"The score is capped because the answer shows {what}{' (each one lowers the cap)' if more else ''};"
            f" see the correction{'s' if more else ''} below."
        )
    return out


def _coding(state: SessionState, asked: AskedQuestion) -> CodingReport:
    problem, work = problem_of(asked), work_of(asked)
    last = last_submission(work)
    stated = stated_complexity(explanation(state, asked))
    verdict = last.verdict if last else "not_submitted"
    return CodingReport(
        problem=problem.title,
        language=last.language if last else work.language,
        verdict=verdict,
        passed=last.passed if last else 0,
        total=last.total if last else 0,
        first_failure=last.first_failure if last else None,
        submissions=len(work.submissions),
        runs=sum(a.mode == "run" for a in work.attempts),
        large_ms=last.large_ms if last else None,
        reference_large_ms=last.reference_large_ms if last else None,
        expected_time=problem.complexity.time,
        expected_space=problem.complexity.space,
        stated_time=stated.time,
        stated_space=stated.space,
        code=last.code if last else work.draft,
    )


def _strengths(scored, dims: dict[str, float]) -> list[Highlight]:
    """The dimensions whose mean reaches STRENGTH_MIN, each quoting a clean answer that earned it (never a fault)."""
    out = []
    for dim in sorted((d for d in dims if dims[d] >= STRENGTH_MIN), key=lambda d: -dims[d]):
        source = _strength_source(scored, dim)
        if source is None:
            continue
        entry, d, ev = source
        out.append(
            Highlight(
                title=LABELS[dim],
                detail=_praise(dim, dims[dim], d.rationale),
                quote=ev.quote,
                quote_label=_label(ev),
                question_index=entry.index,
                dimension=dim,
            )
        )
    return out[:4]


def _strength_source(scored, dim: str):
    """The best-scored answer that shows a dimension without a deduction: no flaw, echo, off-question or cap."""
    best = None
    for asked, entry in scored:
        if not _clean(asked) or not _has(asked, dim):
            continue
        d = asked.assessment.dimension(dim)
        ev = next((e for e in d.evidence if e.quote.strip() and not _is_fault(e)), None)
        if d.score < STRENGTH_MIN or ev is None or "capped:" in d.rationale.lower():
            continue
        if best is None or d.score > best[1].score:
            best = (entry, d, ev)
    return best


def _praise(dim: str, mean: float, rationale: str) -> str:
    """A strength's detail: what went well, keeping only the rationale's clauses that say nothing missing or wrong."""
    clauses = [c.strip() for c in re.split(r";|\.(?=\s|$)", rationale) if c.strip()]
    kept = [c[:1].upper() + c[1:] for c in clauses if not NEGATIVE.search(c)]
    return " ".join([PRAISE.get(dim, "A strength."), f"Average {mean:.1f}/5.", *(f"{c}." for c in kept)])


def _flaws(scored) -> list[tuple[AskedQuestion, QuestionReport, FlawNote]]:
    """Every misconception and red flag shown, once each: misconceptions first, then red flags, in question order."""
    found, seen = [], set()
    for kind in ("misconception", "red_flag"):
        for asked, entry in scored:
            for f in asked.assessment.flaws:
                if f.kind == kind and (f.kind, f.claim) not in seen:
                    seen.add((f.kind, f.claim))
                    found.append((asked, entry, f))
    return found


def _weakest(scored, n: int = 2):
    """The lowest-scored answers that left talking points out, weakest first."""
    gaps = [ae for ae in scored if ae[0].assessment.missing_points]
    return sorted(gaps, key=lambda ae: (ae[0].assessment.overall, ae[1].index))[:n]


def _improvements(scored, dims: dict[str, float], weak: list[str]) -> list[Highlight]:
    """What to improve: the misconceptions and red flags first (quote and correction), then the talking points the
    weakest answers missed, then the weak dimensions, each quoting the answer where it showed, with what to do."""
    out = [
        Highlight(
            title=("Correction: " if f.kind == "misconception" else "Red flag: ") + f.claim,
            detail=f.correction,
            quote=f.quote,
            question_index=entry.index,
            kind=f.kind,
        )
        for _, entry, f in _flaws(scored)[:5]
    ]
    out += [
        Highlight(
            title="Missing talking points",
            kind="missing_points",
            question_index=entry.index,
            detail=f'Your answer to "{asked.question.text}" left out: '
            f"{'; '.join(asked.assessment.missing_points[:4])}.",
        )
        for asked, entry in _weakest(scored)
    ]
    for dim in weak:
        asked, entry = min(
            (ae for ae in scored if _has(ae[0], dim)), key=lambda ae: ae[0].assessment.dimension(dim).score
        )
        d = asked.assessment.dimension(dim)
        ev = next((e for e in d.evidence if _is_fault(e)), d.evidence[0] if d.evidence else None)
        q = ev.quote if ev else _first_words(entry.answer)
        label = _label(ev) if ev else "You said"
        out.append(
            Highlight(
                title=LABELS[dim],
                detail=f"{d.rationale} {ADVICE[dim]}",
                quote=q,
                quote_label=label,
                question_index=entry.index,
                dimension=dim,
            )
        )
    return out


def _first_words(text: str, n: int = 20) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def _communication(state: SessionState, answers: list[str]) -> CommunicationStats:
    words = sum(word_count(a) for a in answers)
    fillers: dict[str, int] = {}
    hedges: dict[str, int] = {}
    for a in answers:
        for k, v in filler_counts(a).items():
            fillers[k] = fillers.get(k, 0) + v
        for k, v in count_phrases(a, HEDGES).items():
            hedges[k] = hedges.get(k, 0) + v
    per100 = lambda n: round(n * 100 / words, 1) if words else 0.0
    stats = CommunicationStats(
        answers=len(answers),
        total_words=words,
        words_per_answer=round(words / len(answers), 1) if answers else 0.0,
        fillers_per_100_words=per100(sum(fillers.values())),
        filler_counts=fillers,
        hedges_per_100_words=per100(sum(hedges.values())),
        hedge_counts=hedges,
    )
    return stats.model_copy(update=_delivery(state))


def _delivery(state: SessionState) -> dict:
    """Speaking rate, pauses and time to first word over the spoken answers; 'not measured' when none were spoken."""
    spoken = [t.delivery for t in state.turns if t.intent.value == "answer" and t.delivery is not None]
    if not spoken:
        return {}
    rates = [d.words_per_minute for d in spoken if d.words_per_minute is not None]
    wpm = round(sum(rates) / len(rates)) if rates else None
    first = round(sum(d.time_to_first_word_s for d in spoken) / len(spoken), 1)
    pauses = sum(d.long_pauses for d in spoken)
    threshold = spoken[0].pause_threshold_s
    rate = f"{wpm} words per minute" if wpm is not None else "not measured (too little speech)"
    note = (
        f"Measured on {len(spoken)} spoken answer(s): speaking rate {rate} (about 120-160 is easy to follow), "
        f"{pauses} pause(s) longer than {threshold:g} s, {first:g} s on average before the first word."
    )
    return {
        "speaking_rate_wpm": wpm,
        "spoken_answers": len(spoken),
        "long_pauses": pauses,
        "time_to_first_word_s": first,
        "delivery_note": note,
    }


def _practice_plan(scored, weak: list[str]) -> list[str]:
    if not scored:
        return ["Answer at least one question in full to get a practice plan."]
    plan = []
    for asked, _, f in _flaws(scored)[:3]:
        what = "that is a misconception" if f.kind == "misconception" else "an interviewer counts that against you"
        plan.append(f'In "{asked.question.text}" you said "{f.quote}": {what}. {f.correction}')
    plan += [
        f'Re-answer "{asked.question.text}" covering: {"; ".join(asked.assessment.missing_points[:3])}.'
        for asked, _ in _weakest(scored)
    ]
    plan += [f"{LABELS[d]}: {ADVICE[d]}" for d in weak[:2]]
    plan.append("Practise once more at the same difficulty, then one level up.")
    return plan


def _notes(state: SessionState, answered: int) -> list[str]:
    notes = []
    if answered == 0:
        notes.append("No answers were scored, so there is no overall score yet.")
    if len(state.asked) < state.planned or any(a.status in ("skipped", "unanswered") for a in state.asked):
        notes.append(
            f"Ended with {answered} of {state.planned} planned questions answered; "
            "the overall score covers answered questions only."
        )
    flagged = sum(t.intent.value == "manipulation" for t in state.turns)
    if flagged:
        notes.append(f"{flagged} message(s) tried to change the rules or the score; they were not scored.")
    return notes


def report_markdown(report: Report) -> str:
    """Render the report as Markdown for download (candidate text is quoted, not interpreted)."""
    lines = _header_markdown(report) + _highlights_markdown(report) + _communication_markdown(report)
    lines += ["", "## Questions", ""]
    for q in report.questions:
        lines += _question_markdown(q)
    return "\n".join(lines)


def _header_markdown(report: Report) -> list[str]:
    """The title, the totals, the summary, the notes and the scores by dimension."""
    lines = [
        f"# Interview feedback: {escape_markdown(report.role)}",
        "",
        f"**Overall:** {report.overall if report.overall is not None else 'not scored'} / 100  ",
        f"**Questions:** {report.answered} answered, {report.skipped} skipped, {report.asked} asked  ",
        f"**Engine:** {report.engine}" + ("  " if report.assessor else ""),
    ]
    lines += [f"Scored by: {report.assessor}", ""] if report.assessor else [""]
    if report.summary:
        lines += [escape_markdown(report.summary), ""]
    lines += [f"> {n}" for n in report.notes] + ([""] if report.notes else [])
    if report.dimensions:
        lines += ["## Scores by dimension", "", "| Dimension | Score (1-5) |", "|---|---|"]
        lines += [f"| {LABELS[d]} | {s:.1f} |" for d, s in report.dimensions.items()] + [""]
    return lines


def _highlights_markdown(report: Report) -> list[str]:
    """The strengths and what to improve, each with its quote."""
    lines: list[str] = []
    for title, items in (("Strengths", report.strengths), ("What to improve", report.improvements)):
        lines += (
            [f"## {title}", ""]
            + [
                f"- **{escape_markdown(h.title)}**: {escape_markdown(h.detail)}"
                + (f"  \n  {h.quote_label}: {_md_quote(h.quote)}" if h.quote else "")
                for h in items
            ]
            + ([""] if items else ["- (none yet)", ""])
        )
    return lines


def _communication_markdown(report: Report) -> list[str]:
    """The communication statistics and the practice plan."""
    c = report.communication
    return [
        "## Communication",
        "",
        f"- Words per answer: {c.words_per_answer}",
        f"- Filler words per 100 words: {c.fillers_per_100_words} ({_counts(c.filler_counts)})",
        f"- Hedges per 100 words: {c.hedges_per_100_words} ({_counts(c.hedge_counts)})",
        f"- {c.delivery_note}",
        "",
        "## Practice plan",
        "",
    ] + [f"{i}. {escape_markdown(p)}" for i, p in enumerate(report.practice_plan, 1)]


def _question_markdown(q: QuestionReport) -> list[str]:
    """One question's section: its answer (or code), scores, caps, corrections, missing points and model answer."""
    lines = [
        f"### {q.index + 1}. {escape_markdown(q.question)}",
        "",
        f"*{q.kind.value}, difficulty {q.difficulty}, {q.status}*"
        + (f", **score {q.score}/100**" if q.score is not None else ""),
        "",
    ]
    if q.coding is not None:
        lines += _coding_markdown(q.coding)
    if q.answer:
        lines += ["Your answer:", "", "```text", q.answer.replace("```", "'''"), "```", ""]
    lines += [f"- {d.dimension}: {d.score}/5: {d.rationale}" for d in q.dimensions]
    lines += ["", *(f"**Score capped:** {escape_markdown(c)}" for c in q.capped)] if q.capped else []
    if q.flaws:
        lines += ["", "Corrections:", ""] + [
            f"- {FLAW_WORDS[f.kind]}: {escape_markdown(f.claim)}  \n  You said: {_md_quote(f.quote)}  \n"
            f"  Correction: {escape_markdown(f.correction)}"
            for f in q.flaws
        ]
    if q.missing_points:
        lines += ["", "Missing: " + "; ".join(q.missing_points)]
    lines += ["", "Model answer outline:", ""] + [f"- {m}" for m in q.model_answer] + [""]
    return lines


def coding_result(c: CodingReport) -> str:
    """One line on how the code did."""
    if c.verdict == "not_submitted":
        return "No code was submitted."
    if c.verdict == "not_run":
        return "Code submitted but not run: code execution is turned off on this server."
    result = f"{c.passed}/{c.total} tests passed" if c.verdict in ("passed", "failed") else f"verdict: {c.verdict}"
    if c.first_failure and c.verdict != "passed":
        result += f"; first failure: {c.first_failure}"
    if c.large_ms is not None:
        ref = f" (reference {ms(c.reference_large_ms)})" if c.reference_large_ms is not None else ""
        result += f"; large input {ms(c.large_ms)}{ref}"
    return result + f"; {c.submissions} submission(s), {c.runs} run(s)."


def _coding_markdown(c: CodingReport) -> list[str]:
    stated = f"you said {c.stated_time or 'nothing'} time, {c.stated_space or 'nothing'} space"
    lines = [
        f"Coding exercise **{escape_markdown(c.problem)}** in {c.language}: {escape_markdown(coding_result(c))}  ",
        escape_markdown(f"Complexity: expected {c.expected_time} time and {c.expected_space} space; {stated}."),
        "",
    ]
    if c.code:
        lines += ["Your code:", "", "```" + c.language, c.code.replace("```", "'''"), "```", ""]
    return lines


def _md_quote(text: str) -> str:
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"
