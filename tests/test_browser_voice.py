"""Browser tier for speech: record a spoken answer through Chromium's fake microphone and send it.

Chromium plays a WAV made by espeak-ng as the microphone, the real mic recorder component records it as
WebM/Opus, and the app transcribes it with the bundled Whisper: nothing about the audio path is faked but the voice.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import CHROMIUM, streamlit_server

from interview.testing.speech_samples import speak_wav

pytestmark = pytest.mark.browser

SPOKEN = "I added a regression test for the checkout service."
KEY_WORDS = ("regression", "checkout", "service")


@pytest.fixture(scope="module")
def microphone_wav(tmp_path_factory) -> Path:
    """What the fake microphone says: SPOKEN by espeak-ng, as the 16-bit PCM WAV Chromium reads."""
    return speak_wav(SPOKEN, tmp_path_factory.mktemp("mic") / "answer.wav", wpm=150, voice="en")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k != "GROQ_API_KEY"}
    env["INTERVIEW_DATA_DIR"] = str(tmp_path_factory.mktemp("voice-data"))
    env["INTERVIEW_ENGINE"] = "offline"
    with streamlit_server(env, tmp_path_factory.mktemp("voice-log") / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(browser, app_url, microphone_wav):
    """A page in a Chromium of its own, whose microphone plays microphone_wav once (then silence).

    It is launched through the session's Playwright (one sync Playwright per thread), not the session's browser,
    because the fake microphone is a launch argument.
    """
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
              "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={microphone_wav}%noloop"])
    try:
        context = chromium.new_context(viewport={"width": 1280, "height": 1100}, permissions=["microphone"])
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(app_url)
        yield pg
    finally:
        chromium.close()


def test_a_recorded_answer_is_transcribed_and_sent(page):
    page.get_by_text("Practice an interview").wait_for()
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("First question:", exact=False).wait_for()
    mic = page.frame_locator('iframe[title*="mic_recorder"]')
    mic.get_by_role("button", name="Record answer").click()
    stop = mic.get_by_role("button", name="Stop recording")
    stop.wait_for()
    page.wait_for_timeout(4_500)  # the WAV lasts about three seconds
    stop.click()
    box = page.get_by_label("Your spoken answer — check and correct it, then send")
    page.wait_for_function("""() => {
        const box = [...document.querySelectorAll('textarea')].find(t => t.getAttribute('aria-label')?.startsWith('Your spoken answer'));
        return box && box.value.length > 10;
    }""", timeout=45_000)
    heard = box.input_value().lower()
    assert sum(w in heard for w in KEY_WORDS) >= 2, heard
    page.get_by_text(re.compile(r"^Measured: \d+ words/min")).wait_for()
    before = page.locator('[data-testid="stChatMessage"]').count()
    page.get_by_role("button", name="Send spoken answer").click()
    page.wait_for_function(f"document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= {before + 2}")
    chat = page.locator('[data-testid="stChatMessage"]')
    chat.nth(before).get_by_text("spoken · ", exact=False).wait_for()
    assert "regression" in chat.nth(before).inner_text().lower()
    page.wait_for_function("""() => {
        const box = [...document.querySelectorAll('textarea')].find(t => t.getAttribute('aria-label')?.startsWith('Your spoken answer'));
        return box && box.value === '';
    }""")
    assert chat.nth(before + 1).inner_text().strip()  # the interviewer replied


def _player(page, number: int):
    player = page.locator(f'audio[data-testid="stAudio"][aria-label="The interviewer\'s message {number}, read aloud"]')
    player.wait_for(state="attached")
    # The WAV the speech engine made is served and loads: it lasts as long as the words take to say.
    page.wait_for_function("n => { const a = document.querySelector(`audio[aria-label=\"The interviewer's message ${n}, read aloud\"]`);"
                           " return a && a.readyState >= 1 && a.duration > 2; }", arg=number)
    return player


def test_questions_are_read_aloud_when_speaking_is_on(page):
    from playwright.sync_api import expect

    page.get_by_text("Practice an interview").wait_for()
    page.locator("[data-testid=stSidebarNav]").get_by_text("Settings").click()
    page.get_by_text("Speak the interviewer's questions").click()
    page.get_by_text("Speaking rate (words per minute)").wait_for()
    page.locator("[data-testid=stSidebarNav]").get_by_text("Interview").click()
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("First question:", exact=False).wait_for()
    _player(page, 1)
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill("I would tell the customer I will find out, ask a colleague, and call them back the same day.")
    box.press("Enter")
    _player(page, 2)
    # Only the latest words get a player. The rerun may still be finishing (its stale elements are removed when it
    # ends), so wait for the page to settle rather than count at once.
    expect(page.locator('audio[data-testid="stAudio"]')).to_have_count(1, timeout=30_000)
