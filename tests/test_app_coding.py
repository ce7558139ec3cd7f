"""AppTest runs of coding exercises: the setup form, the editor panel (Run, Submit), execution turned off, the report.

The Ace editor's browser side is injected (``at.session_state[<editor key>] = code``); code really runs in the
sandbox. The browser tier types into the real editor.
"""

from __future__ import annotations

import json
import re

import pytest
from apptest import APP, run
from conftest import TEST_KEY
from streamlit.testing.v1 import AppTest

from interview.coding.problems import Problem, load_problems
from interview.text import escape_markdown

pytestmark = pytest.mark.app

SEED = 3
EXPLAIN = ("I loop over the input once and keep what I need in a dictionary, because then each step is constant. "
           "It's O(n) time and O(n) space. For an empty input or a single element it still works.")


@pytest.fixture
def at() -> AppTest:
    return run(AppTest.from_file(APP, default_timeout=60))


def start(at: AppTest, role: str = "Software Engineer", coding: int = 1) -> AppTest:
    """Start a two-question interview with ``coding`` exercises, and skip to the first coding question."""
    at.selectbox(key="iv_role").select(role)
    run(at)
    at.slider(key="iv_count").set_value(3 if role != "Software Engineer" else 2)
    at.number_input(key="iv_coding").set_value(coding)
    at.number_input(key="iv_seed").set_value(SEED)
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    run(at)
    for _ in range(3):
        state = at.session_state["iv_state"]
        if state.current is None or state.current.code is not None:
            break
        at.button(key="sb_skip").click()
        run(at)
    return at


def problem(at: AppTest) -> Problem:
    return load_problems()[at.session_state["iv_state"].current.code.problem_id]


def type_code(at: AppTest, code: str, language: str = "python") -> None:
    """Put code in the editor, as pressing APPLY in the browser does."""
    state = at.session_state["iv_state"]
    at.session_state[f"iv_ace_{len(state.asked) - 1}_{language}"] = code


def press(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return run(at)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def editor(at: AppTest) -> dict:
    """The arguments the Ace editor was rendered with (its first value, language, theme, ...)."""
    [ace] = [e for e in at.main if e.type == "component_instance" and e.proto.component_name.startswith("streamlit_ace")]
    return json.loads(ace.proto.json_args)


def code_blocks(at: AppTest, language: str | None = None) -> list[str]:
    """The code elements' text (stripped: the service keeps submitted code without its trailing newline)."""
    return [c.value.strip() for c in at.code if language is None or c.language == language]


def replies(at: AppTest) -> list[str]:
    return [t.reply for t in at.session_state["iv_state"].turns]


def test_setup_form_counts_coding_exercises_apart_from_kinds(at):
    assert "coding" not in at.multiselect(key="iv_kinds").options
    assert at.number_input(key="iv_coding").value == 1
    assert "technical roles" in at.number_input(key="iv_coding").help
    at.selectbox(key="iv_role").select("Marketing Specialist")
    run(at)
    assert any("gets no coding exercises" in c.value for c in at.caption)
    at.selectbox(key="iv_role").select("Software Engineer")
    run(at)
    assert not any("gets no coding exercises" in c.value for c in at.caption)


def test_a_coding_question_shows_the_panel_and_run_shows_each_case(at):
    start(at)
    p = problem(at)
    assert at.session_state["iv_state"].options.coding_questions == 1
    assert any(p.title in m.value for m in at.markdown)
    assert escape_markdown(p.statement) in [m.value for m in at.markdown]
    assert at.selectbox(key="iv_code_lang").options == ["Python", "JavaScript"]
    type_code(at, p.reference.python)
    press(at, "iv_code_run")
    total = len(p.visible_tests)
    assert f"{total} of {total} examples pass." in [s.value for s in at.success]
    cases = at.dataframe[0].value
    assert len(cases) == total and list(cases.columns[1:4]) == ["input", "expected", "actual"]
    assert (cases["expected"] == cases["actual"]).all() and set(cases[""]) == {"✅"}
    assert at.session_state["iv_state"].current.code.last_run.passed == total


def test_run_shows_failing_cases_and_what_the_code_printed(at):
    start(at)
    p = problem(at)
    type_code(at, f"{p.signature.python}\n    print('debugging here')\n    return 'no idea yet'\n")
    press(at, "iv_code_run")
    cases = at.dataframe[0].value
    assert set(cases[""]) == {"❌"} and (cases["actual"] == '"no idea yet"').all()
    assert f"0 of {len(cases)} examples pass." in [w.value for w in at.warning]
    assert [c.value.strip() for c in at.code if "debugging here" in c.value] == ["debugging here"]  # once for all cases
    assert f"Cases {', '.join(str(n) for n in range(1, len(cases) + 1))}: printed" in [c.value for c in at.caption]


def test_wrong_then_right_submission_shows_the_code_and_the_results(at):
    start(at)
    p = problem(at)
    type_code(at, p.wrong.python)
    press(at, "iv_code_submit")
    state = at.session_state["iv_state"]
    assert state.turns[-1].input_mode == "code" and state.turns[-1].message == p.wrong.python
    passed, total = map(int, re.search(r"(\d+) of (\d+) tests pass", state.turns[-1].reply).groups())
    assert passed < total
    assert state.turns[-1].reply in texts(at)
    assert p.wrong.python.strip() in code_blocks(at, "python")
    type_code(at, p.reference.python)
    press(at, "iv_code_submit")
    assert re.search(r"All \d+ tests pass", replies(at)[-1])
    assert replies(at)[-1] in texts(at)
    # The explanation goes through the chat as before.
    at.chat_input(key="iv_chat").set_value(EXPLAIN)
    run(at)
    assert at.session_state["iv_state"].turns[-1].message == EXPLAIN and EXPLAIN in texts(at)


def test_javascript_runs_and_submits(at):
    start(at)
    p = problem(at)
    at.selectbox(key="iv_code_lang").select("javascript")
    run(at)
    type_code(at, p.reference.javascript, "javascript")
    press(at, "iv_code_run")
    total = len(p.visible_tests)
    assert f"{total} of {total} examples pass." in [s.value for s in at.success]
    press(at, "iv_code_submit")
    assert re.search(r"All \d+ tests pass", replies(at)[-1])
    assert p.reference.javascript.strip() in code_blocks(at, "javascript")


def test_the_editor_starts_with_the_signature(at):
    start(at)
    p = problem(at)
    args = editor(at)
    assert args["defaultValue"].startswith(p.signature.python) and args["mode"] == "python" and args["theme"] == "chrome"
    assert args["autoUpdate"] is False  # the APPLY button stays: the browser test presses it
    at.selectbox(key="iv_code_lang").select("javascript")
    run(at)
    assert editor(at)["defaultValue"].startswith(p.signature.javascript) and editor(at)["mode"] == "javascript"


def test_an_empty_editor_gives_a_clear_error(at):
    start(at)
    type_code(at, "   ")
    press(at, "iv_code_run")
    assert [e.value for e in at.error] == ["The editor is empty: write your solution first."]
    before = len(at.session_state["iv_state"].turns)
    press(at, "iv_code_submit")
    assert at.error and len(at.session_state["iv_state"].turns) == before


def test_the_last_run_is_shown_after_a_reload(at):
    start(at)
    p = problem(at)
    type_code(at, p.reference.python)
    press(at, "iv_code_run")
    fresh = AppTest.from_file(APP, default_timeout=60)
    fresh.query_params["session"] = at.session_state["iv_state"].id
    run(fresh)
    total = len(p.visible_tests)
    assert f"{total} of {total} examples pass." in [s.value for s in fresh.success]
    assert len(fresh.dataframe[0].value) == total
    assert editor(fresh)["defaultValue"] == p.reference.python  # the saved draft, not the starter code


def test_with_execution_off_run_is_disabled_and_submit_records_the_code(at, monkeypatch):
    monkeypatch.setenv("INTERVIEW_CODE_EXECUTION", "off")
    at = run(AppTest.from_file(APP, default_timeout=60))
    start(at)
    p = problem(at)
    assert at.button(key="iv_code_run").disabled
    assert any("Submit still sends your code" in c.value for c in at.caption)
    assert "Code runner: code execution off" in [c.value for c in at.sidebar.caption]
    type_code(at, p.reference.python)
    press(at, "iv_code_submit")
    state = at.session_state["iv_state"]
    assert state.turns[-1].input_mode == "code" and state.current.code.submissions[-1].verdict == "not_run"
    assert "haven't run it" in replies(at)[-1]
    assert p.reference.python.strip() in code_blocks(at)


def test_the_sidebar_says_what_isolates_the_code_runner(at):
    captions = [c.value for c in at.sidebar.caption if c.value.startswith("Code runner:")]
    assert captions and captions[0].startswith("Code runner: isolated (") and "network namespace" in captions[0]


def test_candidate_code_is_shown_as_code_never_as_html(at):
    start(at)
    p = problem(at)
    code = f"# <script>alert(1)</script> **bold** <b>x</b>\n{p.wrong.python}"
    type_code(at, code)
    press(at, "iv_code_submit")
    assert code.strip() in code_blocks(at)
    assert not any("<script>" in m.value or "<b>x</b>" in m.value for m in at.markdown)
    assert not any(m.proto.allow_html for m in at.markdown)


def test_the_report_shows_how_the_code_did(at):
    start(at)
    p = problem(at)
    type_code(at, p.reference.python)
    press(at, "iv_code_submit")
    at.chat_input(key="iv_chat").set_value(EXPLAIN)
    run(at)
    press(at, "sb_end")
    at.switch_page("app_pages/report.py")
    run(at)
    lines = texts(at)
    assert any(re.search(r"(\d+)/\1 tests passed", t) for t in lines)
    assert any(t.startswith(f"Complexity: expected {p.complexity.time} time") and "you said O(n) time" in t for t in lines)
    assert p.reference.python.strip() in code_blocks(at)
    shown = "\n".join(m.value for m in at.markdown)
    for label in ("Correctness (tests)", "Efficiency", "Code clarity", "Explaining your solution"):
        assert label in shown


def test_how_it_works_lists_the_coding_dimensions(at):
    at.switch_page("app_pages/how_it_works.py")
    run(at)
    assert len(at.table) == 2
    assert any("Coding exercises" in m.value for m in at.markdown)


def test_settings_say_how_to_turn_code_execution_off(at):
    at.switch_page("app_pages/settings.py")
    run(at)
    assert any("Code execution is on" in i.value for i in at.info)
    assert any("INTERVIEW_CODE_EXECUTION=off" in c.value for c in at.caption)


def test_a_custom_technical_role_gets_a_coding_exercise(at):
    at.selectbox(key="iv_role").select("Custom role…")
    run(at)
    at.text_input(key="iv_custom_role").input("Backend Developer")
    run(at)
    assert not any("gets no coding exercises" in c.value for c in at.caption)
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    run(at)
    assert "coding" in at.session_state["iv_state"].kinds_plan


def test_on_the_ai_interviewer_a_submission_gets_its_words_and_the_key_stays_off_the_page(groq_env):
    """The Groq engine (the fake server) words the reply to a submission; the decision and the test counts are code's."""
    at = run(AppTest.from_file(APP, default_timeout=60))
    start(at)
    state = at.session_state["iv_state"]
    assert state.engine == "groq" and state.current.code is not None
    p = problem(at)
    type_code(at, p.wrong.python)
    press(at, "iv_code_submit")
    turn = at.session_state["iv_state"].turns[-1]
    assert turn.intent.value == "code" and turn.engine == "groq", turn
    assert "Thanks, let's keep going." in turn.reply  # the fake model's words (interview.testing.llm_script.auto_reply)
    attempt = at.session_state["iv_state"].current.code.submissions[-1]
    assert attempt.verdict == "failed" and attempt.passed < attempt.total
    coding_requests = [r for r in groq_env.requests if "coding exercise" in r.body["messages"][0]["content"]]
    assert coding_requests and p.wrong.python.strip().splitlines()[0] in coding_requests[-1].body["messages"][-1]["content"]
    shown = "\n".join([*(m.value for m in at.markdown), *(t.value for t in at.text), *(c.value for c in at.code)])
    assert TEST_KEY not in shown and turn.reply[:30] in shown


def test_where_isolation_cannot_be_proven_no_code_runs_and_the_candidate_is_told(monkeypatch):
    import streamlit as st

    from interview.coding import judge as judge_mod
    from ui import shell

    unproven = {"proven": False, "mechanisms": [], "reason": "no user namespaces", "message": "Code execution is off: this host "
                "cannot prove the sandbox's isolation (no user namespaces). INTERVIEW_SANDBOX_UNSAFE=on overrides it."}
    monkeypatch.setattr(judge_mod, "isolation_report", lambda pool=None: unproven)
    monkeypatch.setattr(shell, "isolation_report", lambda pool=None: unproven)
    st.cache_resource.clear()
    try:
        at = run(AppTest.from_file(APP, default_timeout=60))
        start(at)
        assert at.button(key="iv_code_run").disabled
        assert "Code runner: off (this host cannot prove the sandbox's isolation; code is discussed, not run)" in [
            c.value for c in at.sidebar.caption]
        p = problem(at)
        type_code(at, p.reference.python)
        press(at, "iv_code_submit")
        assert at.session_state["iv_state"].current.code.submissions[-1].verdict == "not_run"
    finally:
        st.cache_resource.clear()
