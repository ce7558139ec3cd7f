"""Browser tier: the real app in headless Debian Chromium, driven by Playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import streamlit_server

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.browser

STRONG = ("At my last job our checkout service failed for 5% of customers. I reproduced the bug from the logs, "
          "found the root cause was a race condition, and I added a regression test and an alert. As a result "
          "errors dropped to zero within two days.")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """Run the app with streamlit on a free local port for the module's tests."""
    env = {k: v for k, v in os.environ.items() if k != "GROQ_API_KEY"}
    env["INTERVIEW_DATA_DIR"] = str(tmp_path_factory.mktemp("browser-data"))
    with streamlit_server(env, tmp_path_factory.mktemp("browser-log") / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.goto(app_url)
    yield pg
    context.close()


def _send(page, text: str) -> None:
    before = page.locator('[data-testid="stChatMessage"]').count()
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(text)
    box.press("Enter")
    # Wait for both the candidate's message and the interviewer's reply to appear.
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= {before + 2}")


def _start(page, questions: int = 3) -> None:
    page.get_by_text("Practice an interview").wait_for()
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("First question:", exact=False).wait_for()


def test_full_typed_interview_reaches_the_report(page):
    _start(page)
    _send(page, STRONG)
    _send(page, "<b>x</b> and **x** are how I format notes; I decided to use plain text, and we shipped 3 releases.")
    # Candidate text is shown literally: no bold element, the tags and asterisks are visible.
    literal = page.get_by_text("<b>x</b> and **x** are how I format notes", exact=False)
    literal.first.wait_for()
    assert page.locator('[data-testid="stChatMessage"] b', has_text="x").count() == 0
    assert page.locator('[data-testid="stChatMessage"] strong', has_text="x").count() == 0
    page.locator("[data-testid=stSidebar]").get_by_role("button", name="End", exact=True).click()
    page.get_by_text("Your feedback report is ready", exact=False).first.wait_for()
    page.get_by_role("button", name="See your report").click()
    page.get_by_role("heading", name="Your feedback report").wait_for()
    page.get_by_text("Overall").first.wait_for()
    page.get_by_text("Question by question").wait_for()
    page.get_by_role("button", name="Download report (Markdown)").wait_for()
    # The report quotes the candidate literally too.
    assert page.get_by_text("<b>x</b> and **x**", exact=False).count() >= 1
    if shots := os.environ.get("TEST_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "report.png"), full_page=True)


def test_hint_and_clarify_reply_in_the_chat(page):
    _start(page)
    _send(page, "Could you rephrase the question?")
    page.get_by_text("let me put it another way", exact=False).first.wait_for()
    _send(page, "hint")
    page.get_by_text("Here's a nudge", exact=False).first.wait_for()
