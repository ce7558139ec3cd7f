"""Build the feedback report from a session's assessments, and export it as Markdown."""

from __future__ import annotations

from .coding.assess import last_submission, ms, stated_complexity
from .coding.flow import explanation, problem_of, work_of
from .models import AskedQuestion, CodingReport, CommunicationStats, Highlight, QuestionReport, Report, SessionState
from .rubric import CODING_DIMENSIONS, DIMENSIONS, LABELS
from .text import HEDGES, count_phrases, escape_markdown, filler_counts, word_count

ADVICE = {
    "relevance": "Answer the question asked first, in one sentence, before adding background.",
    "depth": "Cover the talking points a strong answer needs; the model-answer outlines below show them.",
    "structure": "Use STAR for stories (Situation, Task, Action, Result) and first/then/finally for explanations.",
    "specificity": "Add numbers, time frames, tools and outcomes: '30% fewer tickets in two months' beats 'it improved'.",
    "ownership": "Say what you did yourself: 'I decided', 'I built', not only 'we'.",
    "clarity": "Keep answers to one to two minutes; shorter sentences, fewer fillers and hedges.",
    "correctness": "Run the examples, then add your own edge cases (empty, one element, duplicates, extremes) before you submit.",
    "efficiency": "Say the time and space complexity out loud, then ask whether a hash map, two pointers or sorting beats it.",
    "code_clarity": "Use names that say what a value holds, return early instead of nesting, keep functions short.",
    "explanation": "Walk through the approach, why it works, its complexity and the edge cases, in that order.",
}


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
    report = Report(
        role=state.role.name, engine=state.engine, overall=overall, dimensions=dims, asked=len(state.asked),
        answered=len(scored), skipped=sum(a.status == "skipped" for a in state.asked), questions=entries,
        strengths=_strengths(scored), improvements=_improvements(scored, dims),
        communication=_communication(state, [answer_text(state, a) for a, _ in scored]),
        practice_plan=_practice_plan(scored, dims), notes=notes,
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


def narrative(report: Report) -> str:
    """Write the report's summary in code from its own numbers (the fallback when no LLM writes it)."""
    if report.overall is None:
        return (f"You were asked {report.asked} question(s) for the {report.role} role and none was answered in full, "
                "so there is no score yet. Try again and answer at least one question to get feedback.")
    band = "a strong" if report.overall >= 75 else "a solid" if report.overall >= 55 else "a developing"
    best = max(report.dimensions, key=report.dimensions.__getitem__)
    worst = min(report.dimensions, key=report.dimensions.__getitem__)
    text = (f"You gave {band} interview for the {report.role} role: {report.overall}/100 over {report.answered} "
            f"answered question(s). Your clearest strength was {LABELS[best].lower()} ({report.dimensions[best]:.1f}/5).")
    if worst != best:
        text += f" The most useful thing to work on next is {LABELS[worst].lower()} ({report.dimensions[worst]:.1f}/5): {ADVICE[worst]}"
    return text


def summary_facts(report: Report) -> dict:
    """The report's facts, compact, for a model to write the narrative from (no raw transcript)."""
    return {"role": report.role, "overall": report.overall, "answered": report.answered, "asked": report.asked,
            "skipped": report.skipped, "dimensions_1_to_5": {LABELS[d]: v for d, v in report.dimensions.items()},
            "questions": [{"question": q.question[:200], "score": q.score, "missing": q.missing_points[:3]} for q in report.questions],
            "strengths": [f"{h.title}: {h.quote[:120]}" for h in report.strengths[:3]],
            "to_improve": [h.title for h in report.improvements[:3]]}


def _entry(state: SessionState, index: int, asked: AskedQuestion) -> QuestionReport:
    a = asked.assessment
    return QuestionReport(
        index=index, question=asked.question.text, kind=asked.question.kind, difficulty=asked.difficulty,
        status=asked.status, answer=answer_text(state, asked), follow_ups=asked.follow_ups,
        score=a.overall if a else None, dimensions=a.dimensions if a else [],
        missing_points=a.missing_points if a else [], model_answer=asked.question.model_answer,
        coding=_coding(state, asked) if asked.code is not None else None,
    )


def _coding(state: SessionState, asked: AskedQuestion) -> CodingReport:
    problem, work = problem_of(asked), work_of(asked)
    last = last_submission(work)
    stated = stated_complexity(explanation(state, asked))
    verdict = last.verdict if last else "not_submitted"
    return CodingReport(problem=problem.title, language=last.language if last else work.language, verdict=verdict,
                        passed=last.passed if last else 0, total=last.total if last else 0,
                        first_failure=last.first_failure if last else None, submissions=len(work.submissions),
                        runs=sum(a.mode == "run" for a in work.attempts), large_ms=last.large_ms if last else None,
                        reference_large_ms=last.reference_large_ms if last else None, expected_time=problem.complexity.time,
                        expected_space=problem.complexity.space, stated_time=stated.time, stated_space=stated.space,
                        code=last.code if last else work.draft)


def _strengths(scored) -> list[Highlight]:
    """The best-scored dimensions, each quoting the answer that earned it."""
    found: list[tuple[int, Highlight]] = []
    for asked, entry in scored:
        for d in asked.assessment.dimensions:
            if d.score >= 4 and d.evidence:
                found.append((d.score, Highlight(title=LABELS[d.dimension], detail=d.rationale, quote=d.evidence[0].quote,
                                                 quote_label=_label(d.evidence[0]), question_index=entry.index)))
    found.sort(key=lambda t: -t[0])
    seen, out = set(), []
    for _, h in found:
        if h.title not in seen:
            seen.add(h.title)
            out.append(h)
    return out[:4]


def _improvements(scored, dims: dict[str, float]) -> list[Highlight]:
    """The weakest dimensions, each quoting the answer where it showed, with what to do."""
    out = []
    for dim in sorted(dims, key=lambda d: dims[d])[:3]:
        if dims[dim] >= 4:
            break
        asked, entry = min((ae for ae in scored if _has(ae[0], dim)), key=lambda ae: ae[0].assessment.dimension(dim).score)
        d = asked.assessment.dimension(dim)
        q = d.evidence[0].quote if d.evidence else _first_words(entry.answer)
        label = _label(d.evidence[0]) if d.evidence else "You said"
        out.append(Highlight(title=LABELS[dim], detail=f"{d.rationale} {ADVICE[dim]}", quote=q, quote_label=label,
                             question_index=entry.index))
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
    per100 = (lambda n: round(n * 100 / words, 1) if words else 0.0)
    stats = CommunicationStats(answers=len(answers), total_words=words,
                               words_per_answer=round(words / len(answers), 1) if answers else 0.0,
                               fillers_per_100_words=per100(sum(fillers.values())), filler_counts=fillers,
                               hedges_per_100_words=per100(sum(hedges.values())), hedge_counts=hedges)
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
    note = (f"Measured on {len(spoken)} spoken answer(s): speaking rate {rate} (about 120-160 is easy to follow), "
            f"{pauses} pause(s) longer than {threshold:g} s, {first:g} s on average before the first word.")
    return {"speaking_rate_wpm": wpm, "spoken_answers": len(spoken), "long_pauses": pauses,
            "time_to_first_word_s": first, "delivery_note": note}


def _practice_plan(scored, dims: dict[str, float]) -> list[str]:
    if not scored:
        return ["Answer at least one question in full to get a practice plan."]
    plan = [f"{LABELS[d]}: {ADVICE[d]}" for d in sorted(dims, key=lambda d: dims[d])[:2] if dims[d] < 4.5]
    worst = min(scored, key=lambda ae: ae[0].assessment.overall)[0]
    if worst.assessment.missing_points:
        plan.append(f"Re-answer \"{worst.question.text}\" covering: {'; '.join(worst.assessment.missing_points[:3])}.")
    plan.append("Practise once more at the same difficulty, then one level up.")
    return plan


def _notes(state: SessionState, answered: int) -> list[str]:
    notes = []
    if answered == 0:
        notes.append("No answers were scored, so there is no overall score yet.")
    if len(state.asked) < state.planned or any(a.status in ("skipped", "unanswered") for a in state.asked):
        notes.append(f"Ended with {answered} of {state.planned} planned questions answered; the overall score covers answered questions only.")
    flagged = sum(t.intent.value == "manipulation" for t in state.turns)
    if flagged:
        notes.append(f"{flagged} message(s) tried to change the rules or the score; they were not scored.")
    return notes


def report_markdown(report: Report) -> str:
    """Render the report as Markdown for download (candidate text is quoted, not interpreted)."""
    lines = [f"# Interview feedback: {escape_markdown(report.role)}", "",
             f"**Overall:** {report.overall if report.overall is not None else 'not scored'} / 100  ",
             f"**Questions:** {report.answered} answered, {report.skipped} skipped, {report.asked} asked  ",
             f"**Engine:** {report.engine}", ""]
    if report.summary:
        lines += [escape_markdown(report.summary), ""]
    lines += [f"> {n}" for n in report.notes] + ([""] if report.notes else [])
    if report.dimensions:
        lines += ["## Scores by dimension", "", "| Dimension | Score (1-5) |", "|---|---|"]
        lines += [f"| {LABELS[d]} | {s:.1f} |" for d, s in report.dimensions.items()] + [""]
    for title, items in (("Strengths", report.strengths), ("What to improve", report.improvements)):
        lines += [f"## {title}", ""] + [f"- **{h.title}**: {h.detail}" + (f"  \n  {h.quote_label}: {_md_quote(h.quote)}" if h.quote else "")
                                         for h in items] + ([""] if items else ["- (none yet)", ""])
    c = report.communication
    lines += ["## Communication", "", f"- Words per answer: {c.words_per_answer}",
              f"- Filler words per 100 words: {c.fillers_per_100_words} ({_counts(c.filler_counts)})",
              f"- Hedges per 100 words: {c.hedges_per_100_words} ({_counts(c.hedge_counts)})", f"- {c.delivery_note}", "",
              "## Practice plan", ""] + [f"{i}. {p}" for i, p in enumerate(report.practice_plan, 1)] + ["", "## Questions", ""]
    for q in report.questions:
        lines += [f"### {q.index + 1}. {escape_markdown(q.question)}", "", f"*{q.kind.value}, difficulty {q.difficulty}, {q.status}*"
                  + (f", **score {q.score}/100**" if q.score is not None else ""), ""]
        if q.coding is not None:
            lines += _coding_markdown(q.coding)
        if q.answer:
            lines += ["Your answer:", "", "```text", q.answer.replace("```", "'''"), "```", ""]
        lines += [f"- {d.dimension}: {d.score}/5: {d.rationale}" for d in q.dimensions]
        if q.missing_points:
            lines += ["", "Missing: " + "; ".join(q.missing_points)]
        lines += ["", "Model answer outline:", ""] + [f"- {m}" for m in q.model_answer] + [""]
    return "\n".join(lines)


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
    lines = [f"Coding exercise **{escape_markdown(c.problem)}** in {c.language}: {escape_markdown(coding_result(c))}  ",
             escape_markdown(f"Complexity: expected {c.expected_time} time and {c.expected_space} space; {stated}."), ""]
    if c.code:
        lines += ["Your code:", "", "```" + c.language, c.code.replace("```", "'''"), "```", ""]
    return lines


def _md_quote(text: str) -> str:
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"
