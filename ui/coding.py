"""The coding panel of the interview page: the problem, an Ace editor, Run (visible tests), Submit (hidden tests).

Everything the candidate wrote or their code printed is shown as text (``st.text``/``st.code``/a dataframe),
never as Markdown or HTML.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from streamlit_ace import st_ace

from interview import InterviewError, InterviewService
from interview.coding.flow import problem_of
from interview.coding.problems import Problem, starter_code
from interview.models import LANGUAGE_NAMES, VERDICT_WORDS, AskedQuestion, SessionState, TestReport
from interview.text import escape_markdown
from ui.session import reload_on_conflict

ACE_THEMES = {"light": "chrome", "dark": "tomorrow_night"}
NO_RUN = ("Code execution is turned off on this server, so Run is not available. "
          "Submit still sends your code to the interviewer, who discusses it without running it.")


def editor_key(index: int, language: str) -> str:
    """The Ace editor's widget key: one editor per question and language."""
    return f"iv_ace_{index}_{language}"


def _theme() -> str:
    """The Ace theme matching the app's light or dark theme (the browser's, else .streamlit/config.toml)."""
    base = getattr(getattr(st.context, "theme", None), "type", None) or st.get_option("theme.base") or "light"
    return ACE_THEMES.get(str(base), ACE_THEMES["light"])


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _problem_text(problem: Problem) -> None:
    st.markdown(f"**{escape_markdown(problem.title)}** · {problem.difficulty}")
    st.markdown(escape_markdown(problem.statement))
    for example in problem.examples:
        call = f"{problem.function}({', '.join(_json(a) for a in example.args)})"
        line = f"{call} returns {_json(example.expected)}"
        st.code(line + (f"  # {example.explanation}" if example.explanation else ""), language=None)


def _editor(asked: AskedQuestion, problem: Problem, index: int, language: str) -> str:
    """Show the editor; return the code it holds (as last applied)."""
    work = asked.code
    key = editor_key(index, language)
    # The editor keeps its identity (its key) whatever its first value; that value only shows when it is mounted
    # afresh (after a reload or another page), so it is the latest code we know of.
    draft = work.draft if work.draft and work.language == language else starter_code(problem, language)
    known = st.session_state.get(f"{key}_code") or draft
    code = st_ace(value=known, language=language, theme=_theme(), key=key, min_lines=12, font_size=14,
                  tab_size=4 if language == "python" else 2, auto_update=False)
    code = code if isinstance(code, str) else known
    st.session_state[f"{key}_code"] = code
    st.caption("Press **APPLY** under the editor (or Ctrl+Enter) before Run or Submit, so they see your latest code.")
    return code


def _verdict(report: TestReport) -> None:
    summary = f"{report.passed} of {report.total} examples pass"
    if report.verdict == "passed":
        st.success(f"{summary}.")
    elif report.verdict == "failed":
        st.warning(f"{summary}.")
    else:
        what = VERDICT_WORDS.get(report.verdict, report.verdict)
        st.error(f"Your code {what}: {escape_markdown(report.message or 'no details')}")


def show_run(report: TestReport) -> None:
    """Show a Run's result case by case, then what the code printed; all as text."""
    _verdict(report)
    if report.cases:
        rows = [{"": "✅" if c.ok else "❌", "input": ", ".join(_json(a) for a in c.input),
                 "expected": _json(c.expected), "actual": "—" if c.error and c.actual is None else _json(c.actual),
                 "error": c.error} for c in report.cases]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    details: dict[tuple[str, str], list[int]] = {}  # the same error in every case is shown once
    for n, case in enumerate(report.cases, 1):
        for what, text in (("error", case.error), ("printed", case.output)):
            if text:
                details.setdefault((what, text), []).append(n)
    for (what, text), numbers in details.items():
        st.caption(f"Case{'s' * (len(numbers) > 1)} {', '.join(map(str, numbers))}: {what}")
        st.code(text, language=None)
    if report.stdout:
        st.caption("Output (stdout)")
        st.code(report.stdout, language=None)
    if report.stderr:
        st.caption("Errors (stderr)")
        st.code(report.stderr, language=None)


def _queue_note(service: InterviewService) -> str:
    """When every code runner is busy, how many runs wait before this one (the wait is bounded; then "try again")."""
    pool = getattr(service.judge, "pool", None)
    if pool is None:
        return ""
    load = pool.load()
    if load["running"] < load["jobs"]:
        return ""
    ahead = load["waiting"]
    if not ahead:
        return " (waiting for a free code runner)"
    return f" (every code runner is busy: {ahead} run{'s' if ahead != 1 else ''} ahead of yours)"


def coding_panel(service: InterviewService, state: SessionState) -> SessionState:
    """Show the coding panel for the open coding question; Run saves and shows results, Submit sends and reruns."""
    asked = state.current
    index = len(state.asked) - 1
    problem = problem_of(asked)
    with st.container(border=True):
        st.markdown("**Coding exercise**")
        _problem_text(problem)
        st.session_state.setdefault("iv_code_lang", asked.code.language)
        language = st.selectbox("Language", list(LANGUAGE_NAMES), format_func=LANGUAGE_NAMES.get, key="iv_code_lang")
        code = _editor(asked, problem, index, language)
        disabled = service.judge is None
        left, right = st.columns(2)
        run = left.button("Run", key="iv_code_run", disabled=disabled, width="stretch", help="Run the examples")
        submit = right.button("Submit", key="iv_code_submit", type="primary", width="stretch",
                              help="Send your code to the interviewer (it runs the hidden tests)")
        if disabled:
            st.caption(NO_RUN)
        try:
            with reload_on_conflict(service):
                state = _run_or_submit(service, state, code, language, run=run, submit=submit)
        except InterviewError as exc:
            st.error(str(exc))
        last = state.current.code.last_run if state.current is not None and state.current.code else None
        if last is not None:
            show_run(last)
    return state


def _run_or_submit(service: InterviewService, state: SessionState, code: str, language: str, *, run: bool,
                   submit: bool) -> SessionState:
    """Do what was pressed: Run saves and shows the examples' results; Submit sends the code, then reruns."""
    if run:
        with st.spinner("Running your code on the examples…" + _queue_note(service)):
            state, _ = service.run_code(state, code, language)
        st.session_state["iv_state"] = state
    if submit:
        running = service.judge is not None
        with st.spinner("Running the hidden tests…" + _queue_note(service) if running else "Sending your code…"):
            state = service.submit_code(state, code, language).state
        st.session_state["iv_state"] = state
        st.rerun()
    return state


def code_language(state: SessionState, turn_index: int) -> str:
    """The language of the code a turn submitted (python when it cannot be told)."""
    work = state.asked[state.turns[turn_index].question_index].code
    if work is None:
        return "python"
    return next((a.language for a in work.submissions if a.turn == turn_index), work.language)
