"""Browser tier for coding exercises: type into the real Ace editor, apply, Run, Submit, in headless Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import streamlit_server
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from interview.coding.problems import Problem, load_problems

pytestmark = pytest.mark.browser
ACE = "streamlit_ace.streamlit_ace"  # the component's iframe title


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The app with two-question interviews (so the second, with one coding exercise, is the exercise)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GROQ_API_KEY", "INTERVIEW_CODE_EXECUTION")}
    env.update(INTERVIEW_DATA_DIR=str(tmp_path_factory.mktemp("coding-data")), INTERVIEW_ENGINE="offline", INTERVIEW_QUESTIONS="2")
    with streamlit_server(env, tmp_path_factory.mktemp("coding-log") / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(app_url)
    yield pg
    context.close()


def _reach_the_exercise(page) -> Problem:
    """Start a Software Engineer interview, skip to the coding exercise, and return its problem."""
    page.get_by_text("Practice an interview").wait_for()
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Role").click()
    page.get_by_role("option", name="Software Engineer").click()
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("First question:", exact=False).wait_for()
    page.locator("[data-testid=stSidebar]").get_by_role("button", name="Skip", exact=True).click()
    page.get_by_text("Coding exercise", exact=True).wait_for()
    asked = page.locator('[data-testid="stChatMessage"]').filter(has_text="Coding exercise, ").last.inner_text()
    title = re.search(r"Coding exercise, (.+?):", asked).group(1)
    [problem] = [p for p in load_problems().values() if p.title == title]
    return problem


def _editor(page):
    """The Ace component's iframe, once its editor is up."""
    frame = page.locator(f'iframe[title="{ACE}"]').element_handle().content_frame()
    frame.wait_for_selector(".ace_editor")
    return frame


def _editor_text(page) -> str:
    return _editor(page).evaluate("() => ace.edit(document.querySelector('.ace_editor')).getValue()")


def _type_code(page, code: str, apply: bool = True) -> None:
    """Set the editor's text through Ace's own API inside the component's iframe, then press its APPLY button."""
    frame = _editor(page)
    frame.evaluate("code => ace.edit(document.querySelector('.ace_editor')).setValue(code, 1)", code)
    if not apply:
        return
    apply = frame.get_by_role("button", name=re.compile("apply", re.I))
    frame.wait_for_function("() => !document.querySelector('button').disabled")  # the edit is seen: APPLY is on
    for attempt in range(5):  # a click that lands while the app reruns can be lost: press again, as a person would
        apply.click()
        try:
            frame.wait_for_function("() => document.querySelector('button').disabled", timeout=6_000)  # applied
            return
        except PlaywrightTimeout:
            if attempt == 4:
                raise


def test_code_typed_in_the_editor_runs_and_submits(page):
    problem = _reach_the_exercise(page)
    chat = page.locator('[data-testid="stChatMessage"]')
    _type_code(page, problem.wrong.python)
    page.get_by_role("button", name="Submit", exact=True).click()
    page.get_by_text(re.compile(r"\d+ of \d+ tests pass; the first failing one is")).first.wait_for()
    _type_code(page, problem.reference.python)
    page.get_by_role("button", name="Run", exact=True).click()
    total = len(problem.visible_tests)
    page.get_by_text(f"{total} of {total} examples pass.").wait_for()
    page.locator('[data-testid="stDataFrame"]').wait_for()  # the case-by-case table
    page.get_by_role("button", name="Submit", exact=True).click()
    page.get_by_text(re.compile(r"All \d+ tests pass")).first.wait_for()
    # Both submissions are in the chat as code blocks, and the editor still holds the code.
    for code in (problem.wrong.python, problem.reference.python):
        line = max(code.splitlines(), key=len).strip()
        chat.locator("code").filter(has_text=line).first.wait_for()
    assert _editor_text(page) == problem.reference.python


def test_code_not_yet_applied_survives_a_chat_message(page):
    _reach_the_exercise(page)
    draft = "def half_done(s):\n    # still thinking\n"
    _type_code(page, draft, apply=False)
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill("Could I have a hint, please?")
    box.press("Enter")
    page.get_by_text("Here's a nudge", exact=False).first.wait_for()
    assert _editor_text(page) == draft  # the conversation grew above the editor without remounting it
    if shots := os.environ.get("TEST_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "coding.png"), full_page=True)
