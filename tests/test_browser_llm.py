"""Browser tier on the LLM engine: the real app in headless Chromium, with the fake Groq server streaming slowly.

The fake server runs in this process; the app (a ``streamlit run`` subprocess) reaches it through GROQ_API_BASE.

Pacing: a turn reply from ``auto_reply`` is ~850 characters of JSON whose spoken fields (``say``, ``ask``) come
last. At a flat 0.15 s per 6-character chunk it would take ~21 s, past the engine's turn budget
(max(10 s, 2 x INTERVIEW_LLM_TIMEOUT) = 10 s here), and every turn would fall back. So each reply is paced to
stream in at most STREAM_SECONDS (0.15 s a chunk for short ones), and the page is polled often enough to see the
spoken part grow.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import pytest
from conftest import TEST_KEY, streamlit_server

from interview.testing.fake_groq import FakeGroq, Step
from interview.testing.llm_script import auto_reply, candidate_message

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.browser

CHUNK_SIZE, CHUNK_DELAY = 6, 0.15
STREAM_SECONDS = 7.0  # a whole reply, well inside the 10 s turn budget
POLL = 0.05
ANSWER = "I reproduced the bug from the logs and fixed a race condition."
LAST_REPLY_JS = """() => {
    const msgs = document.querySelectorAll('[data-testid="stChatMessage"]');
    if (!msgs.length) return null;
    const content = msgs[msgs.length - 1].querySelector('[data-testid="stChatMessageContent"]') || msgs[msgs.length - 1];
    return content.innerText;
}"""


def paced_reply(body: dict) -> Step:
    """auto_reply's reply, streamed six characters at a time, every 0.15 s or faster so it ends within STREAM_SECONDS."""
    content = auto_reply(body)
    chunks = math.ceil(len(content) / CHUNK_SIZE) + 1
    return Step(content=content, chunk_delay=min(CHUNK_DELAY, STREAM_SECONDS / chunks))


@pytest.fixture
def slow_groq():
    """The fake Groq server, streaming slowly enough to watch."""
    with FakeGroq(responder=paced_reply, chunk_delay=CHUNK_DELAY, chunk_size=CHUNK_SIZE) as fake:
        yield fake


@pytest.fixture
def llm_app_url(slow_groq, tmp_path):
    """Run the app on the fake server (key, base URL, timeout in its environment) on a free local port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "INTERVIEW_"))}
    env.update(GROQ_API_KEY=TEST_KEY, GROQ_API_BASE=slow_groq.base_url, INTERVIEW_LLM_TIMEOUT="5",
               INTERVIEW_DATA_DIR=str(tmp_path / "data"))
    log = tmp_path / "streamlit.log"
    with streamlit_server(env, log) as url:
        yield url
    assert TEST_KEY not in log.read_text(errors="replace"), "the API key was logged"


@pytest.fixture
def page(browser, llm_app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(llm_app_url)
    yield pg
    context.close()


def _expected_reply(fake: FakeGroq, message: str) -> str:
    """auto_reply's say and ask for the turn request that carried ``message``, joined as the engine joins them."""
    turns = [r for r in fake.chat_requests() if "<candidate_message>" in r.message("user") and candidate_message(r.body) == message]
    assert len(turns) == 1, [r.message("user")[:200] for r in fake.chat_requests()]
    out = json.loads(auto_reply(turns[0].body))
    return "\n\n".join(p for p in (out["say"].strip(), out["ask"].strip()) if p)


def test_reply_streams_into_the_page_word_by_word(page, slow_groq):
    page.get_by_text("Practice an interview").wait_for()
    page.locator("[data-testid=stSidebar]").get_by_text("Engine: groq", exact=False).wait_for()
    page.get_by_role("button", name="Start interview").click()
    page.get_by_text("Hello! I'm your interviewer today.", exact=False).wait_for()
    assert len(slow_groq.chat_requests()) == 1

    before = page.locator('[data-testid="stChatMessage"]').count()
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(ANSWER)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= {before + 2}")

    # Poll the last assistant message until it has stopped changing for a while after the reply completed.
    seen: list[str] = []
    last_change = time.monotonic()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = (page.evaluate(LAST_REPLY_JS) or "").strip()
        if not seen or text != seen[-1]:
            seen.append(text)
            last_change = time.monotonic()
        elif text and "▌" not in text and time.monotonic() - last_change > 2.0:
            break
        page.wait_for_timeout(POLL * 1000)
    else:
        pytest.fail(f"the reply never settled; last texts seen: {seen[-5:]}")

    final = seen[-1]
    expected = _expected_reply(slow_groq, ANSWER)
    assert final == expected, (final, expected)
    partials = [t.removesuffix("▌").rstrip() for t in seen[:-1]]
    partials = [t for t in partials if t and t != final]
    lengths = [len(t) for t in partials]
    assert len(set(lengths)) >= 3, f"saw only {seen}"
    assert lengths == sorted(lengths) and all(n < len(final) for n in lengths), seen
    assert all(final.startswith(t) for t in partials), seen  # each partial is a prefix of the final reply
    assert TEST_KEY not in page.content()
    assert TEST_KEY not in page.locator("body").inner_text()
