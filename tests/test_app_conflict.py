"""AppTest runs: a save refused because another tab changed the interview first reloads the stored copy, and says so."""

from __future__ import annotations

import pytest
from apptest import APP, run
from streamlit.testing.v1 import AppTest

from interview import JsonFileStore, Settings, build_service
from interview.errors import SessionConflict

pytestmark = pytest.mark.app

CHANGED = "This interview was changed in another tab: reloaded"
GOOD = ("At my last job we had an outage that affected 5% of customers. I reproduced the bug from the logs and "
        "found the root cause was a race condition. I added a regression test and an alert, and as a result "
        "errors dropped to zero within two days.")


@pytest.fixture
def at() -> AppTest:
    return run(AppTest.from_file(APP, default_timeout=30))


@pytest.fixture
def other_tab():
    """A second tab's service: the app's settings, so the same data directory."""
    return build_service(Settings.from_sources(), judge=None)


@pytest.fixture
def refuse_next_save(monkeypatch):
    """Call it to make the next save fail as a save over a newer stored copy does (the store's own check may too)."""
    real, armed = JsonFileStore.save, []

    def save(self, *args, **kwargs):
        if armed:
            armed.clear()
            raise SessionConflict("The stored session is newer than this copy.")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(JsonFileStore, "save", save)
    return lambda: armed.append(True)


def start(at: AppTest) -> AppTest:
    at.selectbox(key="iv_role").select("Software Engineer")
    run(at)
    at.slider(key="iv_count").set_value(3)
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    return run(at)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def messages(state) -> list[str]:
    return [t.message for t in state.turns]


def test_an_answer_sent_on_a_copy_another_tab_changed_shows_the_stored_interview(at, other_tab, refuse_next_save):
    start(at)
    sid = at.session_state["iv_state"].id
    stored = other_tab.submit(other_tab.resume(sid), GOOD).state  # the other tab answers first
    refuse_next_save()
    at.chat_input(key="iv_chat").set_value("I fixed it.")
    run(at)
    assert CHANGED in warnings(at)
    shown = at.session_state["iv_state"]
    assert messages(shown) == messages(stored) == [GOOD]
    assert shown.turns[-1].reply == stored.turns[-1].reply and stored.turns[-1].reply in texts(at)
    assert "I fixed it." not in texts(at) and "iv_inflight" not in at.session_state
    run(at)  # said once, and the next answer goes on from the stored copy
    assert CHANGED not in warnings(at)
    at.chat_input(key="iv_chat").set_value("I fixed it.")
    run(at)
    assert messages(at.session_state["iv_state"]) == [GOOD, "I fixed it."]


def test_a_sidebar_button_on_another_page_reloads_the_stored_interview(at, other_tab, refuse_next_save):
    start(at)
    sid = at.session_state["iv_state"].id
    stored = other_tab.submit(other_tab.resume(sid), GOOD).state
    at.switch_page("app_pages/report.py")
    run(at)
    refuse_next_save()
    at.button(key="sb_skip").click()  # sent at once (a callback), not streamed on the interview page
    run(at)
    assert CHANGED in warnings(at)
    assert messages(at.session_state["iv_state"]) == messages(stored)
    assert at.title[0].value == "Your feedback report"


def test_finishing_a_copy_another_tab_changed_shows_the_stored_report(at, other_tab, refuse_next_save):
    start(at)
    at.button(key="sb_end").click()
    run(at)
    sid = at.session_state["iv_state"].id
    stored, _ = other_tab.finish(other_tab.resume(sid))  # the other tab wrote the summary first
    refuse_next_save()
    at.switch_page("app_pages/report.py")
    run(at)
    assert CHANGED in warnings(at)
    shown = at.session_state["iv_state"]
    assert shown.status == "finished" and shown.summary == stored.summary
    assert at.title[0].value == "Your feedback report"
