"""Report page: scores, evidence, strengths, improvements, communication, practice plan, download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from interview import LABELS, report_markdown
from interview.report import coding_result
from interview.text import escape_markdown
from ui.session import reload_on_conflict
from ui.shell import get_service

service = get_service()  # app.py made it this run, and restored the session from the URL


def header(report) -> None:
    st.title("Your feedback report")
    st.caption(f"{escape_markdown(report.role)} · engine: {report.engine} · {report.answered} answered, {report.skipped} skipped, {report.asked} asked")
    if report.assessor:
        st.caption(escape_markdown(f"Scored by: {report.assessor}"))
    if report.summary:
        st.text(report.summary)
        st.caption("Summary written by the AI interviewer from the scores below." if report.summary_source != "code"
                   else "Summary computed from the scores below.")
    for note in report.notes:
        st.info(note)
    cols = st.columns(3)
    cols[0].metric("Overall", "not scored" if report.overall is None else f"{report.overall} / 100")
    cols[1].metric("Words per answer", report.communication.words_per_answer)
    cols[2].metric("Fillers per 100 words", report.communication.fillers_per_100_words)


def dimensions(report) -> None:
    if not report.dimensions:
        return
    st.subheader("Scores by dimension")
    frame = pd.DataFrame({"dimension": [LABELS[d] for d in report.dimensions], "score (1-5)": list(report.dimensions.values())})
    st.bar_chart(frame, x="dimension", y="score (1-5)", horizontal=True)


def highlights(title: str, items) -> None:
    st.subheader(title)
    if not items:
        st.write("Nothing to show yet.")
    for h in items:
        st.markdown(f"**{escape_markdown(h.title)}**")
        st.text(h.detail)
        if h.quote:
            st.text(f"{h.quote_label}: “{h.quote}”")


def communication(report) -> None:
    c = report.communication
    st.subheader("Communication")
    st.text(f"Answers: {c.answers} · words: {c.total_words} · words per answer: {c.words_per_answer}")
    fillers = ", ".join(f"{k} ×{v}" for k, v in c.filler_counts.items()) or "none"
    hedges = ", ".join(f"{k} ×{v}" for k, v in c.hedge_counts.items()) or "none"
    st.text(f"Filler words: {c.fillers_per_100_words} per 100 words ({fillers})")
    st.text(f"Hedges: {c.hedges_per_100_words} per 100 words ({hedges})")
    if c.spoken_answers:  # measured from the recordings' word timings; typed answers have no delivery to show
        cols = st.columns(3)
        cols[0].metric("Speaking rate", "not measured" if c.speaking_rate_wpm is None else f"{c.speaking_rate_wpm:g} words/min")
        cols[1].metric("Long pauses", c.long_pauses)
        cols[2].metric("Time to first word", f"{c.time_to_first_word_s:g} s")
    st.text(c.delivery_note)


def coding(c) -> None:
    """How the code did: tests, complexity expected and stated, and the final code (shown as code, never rendered)."""
    st.markdown("**Your code**")
    st.text(f"{c.problem} in {c.language}: {coding_result(c)}")
    stated = f"{c.stated_time or 'not stated'} time, {c.stated_space or 'not stated'} space"
    st.text(f"Complexity: expected {c.expected_time} time, {c.expected_space} space; you said {stated}.")
    if c.code:
        st.code(c.code, language=c.language)


def questions(report) -> None:
    st.subheader("Question by question")
    for q in report.questions:
        score = "skipped" if q.status == "skipped" else "not answered" if q.score is None else f"{q.score}/100"
        with st.expander(f"{q.index + 1}. {escape_markdown(q.question)} — {score}"):
            st.caption(f"{q.kind.value} · difficulty {q.difficulty}" + (f" · scored by: {escape_markdown(q.assessor)}"
                                                                         if q.assessor and q.assessor != report.assessor else ""))
            for reason in q.capped:
                st.warning(escape_markdown(reason))
            if q.answer:
                st.markdown("**Your answer**")
                st.text(q.answer)
            if q.coding is not None:
                coding(q.coding)
            for f in q.follow_ups:
                st.caption(f"Follow-up asked: {f}")
            for d in q.dimensions:
                st.markdown(f"**{LABELS[d.dimension]}: {d.score}/5**")
                st.text(d.rationale)
                for e in d.evidence:
                    st.text(f"  “{e.quote}”" + (f" ({e.note})" if e.note else ""))
            if q.flaws:
                st.markdown("**Corrections**")
                for f in q.flaws:  # the candidate's sentence goes through st.text: shown literally, never rendered
                    st.text(f"{'Misconception' if f.kind == 'misconception' else 'Red flag'}: {f.claim}\n"
                            f"You said: “{f.quote}”\nCorrection: {f.correction}")
            if q.missing_points:
                st.markdown("**Missing talking points**")
                st.text("\n".join(f"• {m}" for m in q.missing_points))
            st.markdown("**Model answer outline**")
            st.text("\n".join(f"• {m}" for m in q.model_answer))


def main() -> None:
    state = st.session_state.get("iv_state")
    if state is None:
        st.title("Your feedback report")
        st.info("No interview yet. Start one on the Interview page; the report appears here when you finish.")
        st.page_link("app_pages/interview.py", label="Go to the interview", icon="💬")
        return
    if state.status == "finished" and not state.summary:  # the narrative is written once, then kept
        with st.spinner("Writing your summary…"), reload_on_conflict(service):
            state, report = service.finish(state)
        st.session_state["iv_state"] = state
    else:
        report = service.report(state)
    header(report)
    if state.status != "finished":
        st.warning("The interview is still in progress: this report covers the answers so far.")
    dimensions(report)
    highlights("Strengths", report.strengths)
    highlights("What to improve", report.improvements)
    communication(report)
    st.subheader("Practice plan")
    st.text("\n".join(f"{i}. {p}" for i, p in enumerate(report.practice_plan, 1)))
    questions(report)
    st.download_button("Download report (Markdown)", report_markdown(report), file_name="interview-report.md",
                       mime="text/markdown", key="rp_download")


main()
