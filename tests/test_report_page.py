"""AppTest run of the report page on a hand-built session: the assessor, the corrections and the cap reasons are shown,
and the candidate's words stay text."""

from __future__ import annotations

import pytest
from apptest import APP, run
from streamlit.testing.v1 import AppTest
from test_report import E5, assess, misconception, state

from interview.text import escape_markdown

pytestmark = pytest.mark.app


def test_the_report_page_shows_the_assessor_the_corrections_and_why_a_score_was_capped():
    evil = "Lists are immutable <b>x</b> **bold**."
    wrong = misconception(quote=evil)
    off = "Tell me about a time you disagreed with your manager."
    session = state(assess(overall=45, flaws=[wrong]), assess(overall=20, off_question=off), assess(overall=15, echo=True))
    session.summary, session.summary_source = "A short summary.", "code"
    at = run(AppTest.from_file(APP, default_timeout=30))
    at.session_state["iv_state"] = session
    at.switch_page("app_pages/report.py")
    run(at)
    assert escape_markdown(f"Scored by: {E5}") in [c.value for c in at.caption]
    markdown = [m.value for m in at.markdown]
    assert f"**{escape_markdown('Correction: ' + wrong.claim)}**" in markdown and "**Corrections**" in markdown
    texts = [t.value for t in at.text]
    assert wrong.correction in texts and f"You said: “{evil}”" in texts  # the improvement: correction and the quote
    assert any(t.startswith("Misconception: ") and f"You said: “{evil}”" in t and f"Correction: {wrong.correction}" in t
               for t in texts)  # the question's own entry
    warnings = [w.value for w in at.warning]
    assert escape_markdown(f'This answer seems to address a different question: "{off}", so its score is capped.') in warnings
    assert any(w.startswith("The answer repeats the question") for w in warnings)
    assert not any("<b>x</b>" in m or "**bold**" in m for m in markdown)
