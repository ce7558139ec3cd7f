"""AppTest runs of the real pages: setup, answer, follow-up, correction, end, report."""

from __future__ import annotations

import pytest
from apptest import APP, run
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.app

GOOD = ("At my last job we had an outage that affected 5% of customers. I reproduced the bug from the logs and "
        "found the root cause was a race condition. I added a regression test and an alert, and as a result "
        "errors dropped to zero within two days.")


@pytest.fixture
def at() -> AppTest:
    return run(AppTest.from_file(APP, default_timeout=30))


def start(at: AppTest, role: str = "Software Engineer", count: int = 3) -> AppTest:
    at.selectbox(key="iv_role").select(role)
    run(at)
    at.slider(key="iv_count").set_value(count)
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    return run(at)


def chat(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="iv_chat").set_value(text)
    return run(at)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def sidebar_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.sidebar.markdown)


def test_setup_shows_roles_and_starts(at):
    roles = at.selectbox(key="iv_role").options
    assert "Software Engineer" in roles and "Custom role…" in roles and len(roles) >= 9
    start(at)
    assert at.session_state["iv_state"].status == "active"
    assert any("First question:" in t for t in texts(at))
    assert "Question 1 of 3" in sidebar_markdown(at)
    assert "Difficulty: **2 / 5**" in sidebar_markdown(at)


def test_answer_follow_up_correct_end_report(at):
    start(at)
    chat(at, "I fixed it.")
    state = at.session_state["iv_state"]
    assert state.turns[-1].action == "follow_up"
    assert state.turns[-1].reply.split(". ")[-1] in texts(at)[-1] or state.asked[0].follow_ups[0] in texts(at)[-1]
    # Correct the weak answer: its question is re-scored upward.
    before = state.asked[0].assessment.overall
    at.selectbox(key="iv_edit_turn").select(0)
    run(at)
    at.text_area(key="iv_edit_text_0").input(GOOD)
    at.button(key="iv_edit_save").click()
    run(at)
    state = at.session_state["iv_state"]
    assert state.turns[0].edited and state.turns[0].message == GOOD
    assert state.asked[0].assessment.overall > before
    assert "Answer corrected and re-scored; the report follows." in [w.value for w in at.warning]
    # End from the sidebar, then open the report.
    at.button(key="sb_end").click()
    run(at)
    assert at.session_state["iv_state"].status == "finished"
    assert any("feedback report is ready" in s.value for s in at.success)
    at.switch_page("app_pages/report.py")
    run(at)
    assert at.title[0].value == "Your feedback report"
    assert any("/ 100" in str(m.value) for m in at.metric)
    assert GOOD in texts(at)


def test_sidebar_hint_and_skip(at):
    start(at)
    at.button(key="sb_hint").click()
    run(at)
    assert any(t.startswith("Here's a nudge:") for t in texts(at))
    at.button(key="sb_skip").click()
    run(at)
    assert "Question 2 of 3" in sidebar_markdown(at)
    assert at.session_state["iv_state"].asked[0].status == "skipped"


def test_candidate_text_is_shown_literally_and_long_input_is_cut(at):
    start(at)
    chat(at, "<b>x</b> and **x** " + "word " * 1200)
    state = at.session_state["iv_state"]
    assert state.turns[-1].truncated
    assert any(t.startswith("<b>x</b> and **x**") for t in texts(at))
    assert any("only the first 4,000 were kept" in w.value for w in at.warning)
    assert not any("<b>x</b>" in m.value for m in at.markdown)


def test_custom_role_with_job_description(at):
    at.selectbox(key="iv_role").select("Custom role…")
    run(at)
    at.text_input(key="iv_custom_role").input("Backend Developer")
    at.text_area(key="iv_jd").input("We need Python, PostgreSQL and Kubernetes experience. Python services, PostgreSQL tuning.")
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    run(at)
    state = at.session_state["iv_state"]
    assert state.role.name == "Backend Developer"
    assert any(p.id == "job_requirements" for p in state.asked[0].question.points) or state.asked[0].question.kind.value == "behavioral"


def test_custom_role_needs_a_name(at):
    at.selectbox(key="iv_role").select("Custom role…")
    run(at)
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    run(at)
    assert "iv_state" not in at.session_state
    assert any("Type the name of the role" in e.value for e in at.error)


def test_report_page_without_interview(at):
    at.switch_page("app_pages/report.py")
    run(at)
    assert any("No interview yet" in i.value for i in at.info)


def test_how_it_works_page(at):
    at.switch_page("app_pages/how_it_works.py")
    run(at)
    assert at.title[0].value == "How it works"


def test_a_refresh_restores_the_session_from_the_url(at):
    start(at)
    chat(at, GOOD)
    state = at.session_state["iv_state"]
    assert at.query_params["session"] == [state.id] or at.query_params["session"] == state.id
    fresh = AppTest.from_file(APP, default_timeout=30)
    fresh.query_params["session"] = state.id
    run(fresh)
    restored = fresh.session_state["iv_state"]
    assert restored.id == state.id and [t.message for t in restored.turns] == [GOOD]
    assert GOOD in texts(fresh)


def test_an_unknown_session_in_the_url_starts_cleanly(at):
    fresh = AppTest.from_file(APP, default_timeout=30)
    fresh.query_params["session"] = "0123456789abcdef"
    run(fresh)
    assert "iv_state" not in fresh.session_state
    assert any("could not be restored" in w.value for w in fresh.warning)
    assert fresh.selectbox(key="iv_role")


def test_a_custom_role_name_is_shown_literally(at):
    at.selectbox(key="iv_role").select("Custom role…")
    run(at)
    at.text_input(key="iv_custom_role").input("**Chief** <i>Tester</i>")
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    run(at)
    assert at.title[0].value == r"\*\*Chief\*\* \<i\>Tester\</i\> interview"
