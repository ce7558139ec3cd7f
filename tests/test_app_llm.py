"""AppTest runs of the real pages on the LLM engine, against the fake Groq server (tests/fake_groq.py).

Streaming, fallback, the circuit breaker, a rejected key, the Settings page, a user's own key, and the
rule that the API key never reaches the page or the saved sessions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apptest import APP, run
from conftest import TEST_KEY
from streamlit.testing.v1 import AppTest

from interview.testing.fake_groq import MODELS_PATH, FakeGroq, Step
from interview.testing.llm_script import auto_reply, candidate_message, turn_reply

pytestmark = pytest.mark.app

MODEL = "llama-3.3-70b-versatile"
FAST = "llama-3.1-8b-instant"
USER_KEY = "gsk_USERKEY_pasted_by_hand_9876543210"
ANSWER = "I reproduced the bug from the logs and fixed a race condition."
GOOD = ("At my last job we had an outage that affected 5% of customers. I reproduced the bug from the logs and "
        "found the root cause was a race condition. I added a regression test and an alert, and as a result "
        "errors dropped to zero within two days.")
SUMMARY = "You answered clearly and kept to the questions."


# --- helpers -------------------------------------------------------------------------------------
def new_app() -> AppTest:
    """A fresh browser session (set the environment before calling: settings are read on the first run)."""
    return run(AppTest.from_file(APP, default_timeout=30))


def start(at: AppTest, count: int = 3) -> AppTest:
    at.selectbox(key="iv_role").select("Software Engineer")
    run(at)
    at.slider(key="iv_count").set_value(count)
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    run(at)
    assert at.session_state["iv_state"].status == "active"
    return at


def chat(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="iv_chat").set_value(text)
    return run(at)


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    return run(at)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def sidebar_captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def sidebar_warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.sidebar.warning)


def expected_reply(body: dict) -> str:
    """What the interviewer says for a request answered by auto_reply: its say and ask, as the engine joins them."""
    out = json.loads(auto_reply(body))
    return "\n\n".join(p for p in (out["say"].strip(), out["ask"].strip()) if p)


def system_prompt(request) -> str:
    return request.body["messages"][0]["content"]


def turn_requests(fake: FakeGroq) -> list:
    """The chat requests that were turns (not the opening, a re-score or the summary)."""
    return [r for r in fake.chat_requests() if "<candidate_message>" in r.message("user")]


def summary_requests(fake: FakeGroq) -> list:
    return [r for r in fake.chat_requests() if system_prompt(r).startswith("You write the short narrative")]


def _values(node) -> list[str]:
    """Everything one element carries: its repr, its protobuf (every field, widget values included) and its value."""
    out = [repr(node)]
    if (proto := getattr(node, "proto", None)) is not None:
        out.append(str(proto))
    try:
        value = node.value
    except Exception:  # noqa: BLE001 - some elements have no value, or none yet
        value = None
    if value is not None:
        out.append(repr(value))
    for child in getattr(node, "children", {}).values():
        out.extend(_values(child))
    return out


def page_dump(at: AppTest) -> str:
    """The whole element tree as text: main, sidebar, the chat input's block and the event block (toasts)."""
    dump = "\n".join(_values(at._tree))  # the root: at.main and at.sidebar do not include the bottom and event blocks
    for kind in ("text", "markdown", "caption", "warning", "error", "success", "info", "code", "json", "toast", "title",
                 "subheader", "metric", "exception"):
        dump += "\n" + "\n".join(repr(getattr(e, "value", e)) for e in getattr(at, kind))
    return dump


def saved_bytes(data_dir: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(data_dir.rglob("*")) if p.is_file()]


def assert_key_hidden(at: AppTest, key: str = TEST_KEY) -> None:
    dump = page_dump(at)
    assert key not in dump, "the API key is shown on the page"
    assert key[4:20] not in dump, "part of the API key is shown on the page"


# --- 1. streaming reaches the UI ---------------------------------------------------------------
def test_groq_interview_streams_replies_into_the_chat(groq_env):
    at = start(new_app())
    assert f"Engine: **groq** · {MODEL}" in sidebar_captions(at)
    assert texts(at)[0].startswith("Hello! I'm your interviewer today.")
    opening = groq_env.chat_requests()
    assert len(opening) == 1 and opening[0].headers["authorization"] == f"Bearer {TEST_KEY}"
    chat(at, ANSWER)
    turns = turn_requests(groq_env)
    assert len(turns) == 1 and turns[0].stream and turns[0].body.get("stream") is True
    assert candidate_message(turns[0].body) == ANSWER
    reply = expected_reply(turns[0].body)
    assert texts(at)[-2:] == [ANSWER, reply]
    assert "▌" not in texts(at)[-1]  # the streaming cursor is gone once the reply is complete
    assert not warnings(at)
    state = at.session_state["iv_state"]
    assert state.turns[-1].engine == "groq" and state.turns[-1].reply == reply and state.pending is None


# --- 2. a failed turn falls back visibly, and the next one is the LLM's again -------------------
def test_failed_turn_falls_back_with_a_warning_and_the_interview_carries_on(groq_env):
    at = start(new_app(), count=4)
    groq_env.script(Step(status=500), Step(status=500), Step(status=500))
    chat(at, ANSWER)
    assert groq_env.pending() == 0
    assert len(turn_requests(groq_env)) == 3  # two retries, then the fallback
    notes = [w for w in warnings(at) if "offline interviewer" in w]
    assert notes and "HTTP 500" in notes[0], warnings(at)
    turn = at.session_state["iv_state"].turns[-1]
    assert turn.engine != "groq" and turn.notice and turn.reply
    assert texts(at)[-1] == turn.reply
    assert "paused" not in sidebar_warnings(at)  # one failed turn does not pause the AI interviewer
    before = len(groq_env.chat_requests())
    chat(at, GOOD)
    after = groq_env.chat_requests()
    assert len(after) == before + 1
    assert texts(at)[-1] == expected_reply(after[-1].body)
    assert at.session_state["iv_state"].turns[-1].engine == "groq"
    # The fallen-back turn keeps its notice in the transcript after the rerun.
    assert any("offline interviewer" in w for w in warnings(at))


# --- 3. the circuit breaker is visible, and stops calls -----------------------------------------
def test_repeated_failures_pause_the_ai_interviewer_and_say_so(groq_env):
    at = start(new_app(), count=6)
    groq_env.script(*[Step(status=500) for _ in range(9)])
    for n in range(3):
        assert at.session_state["iv_state"].status == "active"
        chat(at, f"{ANSWER} Attempt {n}.")
    assert groq_env.pending() == 0 and len(turn_requests(groq_env)) == 9
    paused = sidebar_warnings(at)
    assert "AI interviewer is paused" in paused and "offline interviewer answers meanwhile" in paused, paused
    before = len(groq_env.requests)
    chat(at, GOOD)
    assert len(groq_env.requests) == before  # no call while paused
    assert any("paused" in w for w in warnings(at))
    assert texts(at)[-1] == at.session_state["iv_state"].turns[-1].reply


# --- 4. a rejected key is explained plainly -----------------------------------------------------
def test_rejected_key_is_explained(groq_env):
    at = start(new_app())
    groq_env.script(Step(status=401))
    chat(at, ANSWER)
    assert len(turn_requests(groq_env)) == 1  # a rejected key is not retried
    rejected = [w for w in warnings(at) if "API key" in w]
    assert rejected and "rejected" in rejected[0] and "offline interviewer" in rejected[0], warnings(at)
    assert "AI interviewer is paused" in sidebar_warnings(at)  # it will not fix itself in a minute
    assert_key_hidden(at)


# --- 5. the key is never on the page nor in the saved sessions ----------------------------------
def test_key_is_never_shown_nor_saved(groq_env, tmp_path):
    at = new_app()
    dumps = [page_dump(at)]
    start(at)
    dumps.append(page_dump(at))
    chat(at, GOOD)
    dumps.append(page_dump(at))
    groq_env.script(Step(status=401))  # an error message about the key must not carry it either
    chat(at, ANSWER)
    dumps.append(page_dump(at))
    at.button(key="sb_end").click()
    run(at)
    dumps.append(page_dump(at))
    assert at.session_state["iv_state"].status == "finished"
    go(at, "app_pages/report.py")
    dumps.append(page_dump(at))
    go(at, "app_pages/settings.py")
    dumps.append(page_dump(at))
    # Sanity: the walker sees what is displayed, widget values included.
    everything = "\n".join(dumps)
    assert "Hello! I'm your interviewer today." in everything and GOOD[:60] in everything
    assert "Groq rejected the API key" in everything and MODEL in everything and "Your feedback report" in everything
    marker = "gsk_MARKER_typed_not_used_42"
    at.text_input(key="st_key_input").input(marker)
    run(at)
    assert marker in page_dump(at)
    at.text_input(key="st_key_input").input("")
    run(at)
    dumps.append(page_dump(at))
    at.button(key="st_test").click()
    run(at)
    dumps.append(page_dump(at))
    for n, dump in enumerate(dumps):
        assert TEST_KEY not in dump and TEST_KEY[4:20] not in dump, f"the key is shown in run {n}"
    files = saved_bytes(tmp_path / "data")
    state = at.session_state["iv_state"]
    assert files and any(state.id.encode() in data for _, data in files)
    assert any(GOOD.encode() in data for _, data in files)  # sanity: the files hold the transcript
    for path, data in files:
        assert TEST_KEY.encode() not in data and TEST_KEY[4:20].encode() not in data, path


# --- 6. the Settings page -----------------------------------------------------------------------
def test_settings_page_lists_models_and_tests_the_connection(groq_env):
    at = go(new_app(), "app_pages/settings.py")
    assert at.radio(key="st_engine").value == "groq"
    models = at.selectbox(key="st_model")
    assert models.options == [f"{MODEL} (default: best questions)", f"{FAST} (fast)"]
    assert models.value == MODEL
    assert not any("whisper" in o for o in models.options)
    assert any("server's key" in i.value for i in at.info)
    at.button(key="st_test").click()
    run(at)
    assert any(MODEL in s.value and "Connected to Groq" in s.value for s in at.success), [s.value for s in at.success]
    models_calls = [r for r in groq_env.requests if r.path.startswith(MODELS_PATH)]
    assert models_calls and all(r.headers["authorization"] == f"Bearer {TEST_KEY}" for r in models_calls)
    # Choosing the fast model applies from the next message.
    at.selectbox(key="st_model").select_index(1)
    run(at)
    assert at.session_state["app_model"] == FAST
    assert f"Engine: **groq** · {FAST}" in sidebar_captions(at)
    assert_key_hidden(at)


def test_settings_with_an_account_that_lacks_the_default_model(monkeypatch):
    with FakeGroq(responder=auto_reply, models=[FAST, "whisper-large-v3"]) as fake:
        monkeypatch.setenv("GROQ_API_KEY", TEST_KEY)
        monkeypatch.setenv("GROQ_API_BASE", fake.base_url)
        monkeypatch.setenv("INTERVIEW_LLM_TIMEOUT", "3")
        at = go(new_app(), "app_pages/settings.py")
        models = at.selectbox(key="st_model")
        assert models.options == [f"{MODEL} (default: best questions)", f"{FAST} (fast)"]  # the configured one stays first
        assert models.value == MODEL
        at.button(key="st_test").click()
        run(at)
        errors = [e.value for e in at.error]
        assert errors and f"no model '{MODEL}'" in errors[0] and FAST in errors[0], errors
        assert not at.success
        # The select still works: pick the model the account has, and the test passes.
        at.selectbox(key="st_model").select_index(1)
        run(at)
        assert at.selectbox(key="st_model").value == FAST
        at.button(key="st_test").click()
        run(at)
        assert any(FAST in s.value for s in at.success), [s.value for s in at.success]
        assert not at.error
        assert_key_hidden(at)


# --- 7. a key the user pastes --------------------------------------------------------------------
def test_user_pasted_key_is_used_for_the_session_only(fake_groq, monkeypatch, tmp_path):
    monkeypatch.setenv("GROQ_API_BASE", fake_groq.base_url)
    monkeypatch.setenv("INTERVIEW_LLM_TIMEOUT", "3")
    at = go(new_app(), "app_pages/settings.py")
    assert at.radio(key="st_engine").value == "offline"
    at.radio(key="st_engine").set_value("groq")
    run(at)
    assert any("No key is set on this server" in i.value for i in at.info)
    at.text_input(key="st_key_input").input(USER_KEY)
    at.button(key="st_use_key").click()
    run(at)
    assert at.text_input(key="st_key_input").value == ""
    told = [s.value for s in at.success] + [i.value for i in at.info] + [t.value for t in at.toast]
    assert any("session only" in t for t in told), told
    assert_key_hidden(at, USER_KEY)
    listed = [r for r in fake_groq.requests if r.path.startswith(MODELS_PATH)]
    assert listed and all(r.headers["authorization"] == f"Bearer {USER_KEY}" for r in listed)
    assert at.selectbox(key="st_model").value == MODEL
    # The interview runs on the pasted key.
    go(at, "app_pages/interview.py")
    assert f"Engine: **groq** · {MODEL}" in sidebar_captions(at)
    start(at)
    chat(at, ANSWER)
    calls = fake_groq.chat_requests()
    assert len(calls) == 2 and len(turn_requests(fake_groq)) == 1
    assert all(r.headers["authorization"] == f"Bearer {USER_KEY}" for r in calls)
    assert texts(at)[-1] == expected_reply(calls[-1].body)
    assert_key_hidden(at, USER_KEY)
    files = saved_bytes(tmp_path / "data")
    assert files
    for path, data in files:
        assert USER_KEY.encode() not in data and USER_KEY[4:20].encode() not in data, path
    # Forget it: the interview carries on offline, with no more calls.
    go(at, "app_pages/settings.py")
    at.button(key="st_forget_key").click()
    run(at)
    assert not any("Using the key you pasted" in s.value for s in at.success)
    assert_key_hidden(at, USER_KEY)
    go(at, "app_pages/interview.py")
    assert "offline" in sidebar_captions(at) or "GROQ_API_KEY" in sidebar_warnings(at)
    assert "GROQ_API_KEY" in sidebar_warnings(at)
    before = len(fake_groq.requests)
    chat(at, GOOD)
    assert len(fake_groq.requests) == before
    assert texts(at)[-1] == at.session_state["iv_state"].turns[-1].reply
    assert at.session_state["iv_state"].turns[-1].engine == "offline"
    assert_key_hidden(at, USER_KEY)


# --- 8. groq chosen, no key anywhere --------------------------------------------------------------
def test_groq_without_any_key_runs_offline_and_says_so(fake_groq, monkeypatch):
    monkeypatch.setenv("INTERVIEW_ENGINE", "groq")
    monkeypatch.setenv("GROQ_API_BASE", fake_groq.base_url)
    at = new_app()
    assert "GROQ_API_KEY" in sidebar_warnings(at) and "offline interviewer is running instead" in sidebar_warnings(at)
    assert "Engine: **offline**" in sidebar_captions(at)
    start(at)
    assert any("First question:" in t for t in texts(at))
    chat(at, GOOD)
    assert texts(at)[-1] == at.session_state["iv_state"].turns[-1].reply
    assert "GROQ_API_KEY" in sidebar_warnings(at)
    assert fake_groq.requests == []


def test_groq_chosen_in_settings_without_any_key_runs_offline(fake_groq, monkeypatch):
    monkeypatch.setenv("GROQ_API_BASE", fake_groq.base_url)
    at = go(new_app(), "app_pages/settings.py")
    at.radio(key="st_engine").set_value("groq")
    run(at)
    assert "GROQ_API_KEY" in sidebar_warnings(at)
    go(at, "app_pages/interview.py")
    assert "GROQ_API_KEY" in sidebar_warnings(at) and "Engine: **offline**" in sidebar_captions(at)
    start(at)
    chat(at, GOOD)
    assert texts(at)[-1] == at.session_state["iv_state"].turns[-1].reply
    assert fake_groq.requests == []


# --- 9. the report's summary --------------------------------------------------------------------
def test_report_summary_is_written_once_by_the_ai_interviewer(groq_env):
    at = start(new_app())
    chat(at, GOOD)
    at.button(key="sb_end").click()
    run(at)
    assert at.session_state["iv_state"].status == "finished"
    assert summary_requests(groq_env) == []
    go(at, "app_pages/report.py")
    summary = [t for t in texts(at) if t.startswith(SUMMARY)]
    assert summary == [auto_reply(summary_requests(groq_env)[0].body)]
    assert any("Summary written by the AI interviewer" in c.value for c in at.caption)
    assert any("engine: groq" in c.value for c in at.caption)
    run(at)
    run(at)
    assert len(summary_requests(groq_env)) == 1
    assert any(t.startswith(SUMMARY) for t in texts(at))
    assert any("Summary written by the AI interviewer" in c.value for c in at.caption)


# --- 10. sidebar buttons ------------------------------------------------------------------------
def test_sidebar_hint_streams_and_end_makes_no_call(groq_env):
    at = start(new_app())
    before = len(groq_env.chat_requests())
    at.button(key="sb_hint").click()
    run(at)
    calls = groq_env.chat_requests()
    assert len(calls) == before + 1 and calls[-1].stream
    assert candidate_message(calls[-1].body) == "Could I have a hint, please?"
    reply = expected_reply(calls[-1].body)
    assert reply.startswith("Sure (hint).")
    assert texts(at)[-2:] == ["Could I have a hint, please?", reply]
    assert at.session_state["iv_state"].turns[-1].engine == "groq"
    before = len(groq_env.requests)
    at.button(key="sb_end").click()
    run(at)
    assert len(groq_env.requests) == before
    assert at.session_state["iv_state"].status == "finished"
    assert any("feedback report is ready" in s.value for s in at.success)


@pytest.mark.parametrize("step", [Step(mode="hang"), Step(content="not json at all")], ids=["timeout", "garbage"])
def test_other_failures_fall_back_with_a_warning(groq_env, step):
    at = start(new_app())
    groq_env.script(step, step)
    chat(at, ANSWER)
    assert any("offline interviewer" in w for w in warnings(at)), warnings(at)
    assert texts(at)[-1] == at.session_state["iv_state"].turns[-1].reply
    assert at.session_state["iv_state"].status == "active"



def test_short_rate_limit_is_retried_without_a_warning(groq_env):
    at = start(new_app())
    groq_env.script(Step(status=429, retry_after="0.2"))
    chat(at, ANSWER)
    turns = turn_requests(groq_env)
    assert len(turns) == 2 and not warnings(at)
    assert texts(at)[-1] == expected_reply(turns[-1].body)


def test_words_already_shown_are_replaced_when_the_stream_is_cut(groq_env):
    at = start(new_app())
    spoken = "Think about the customer first and what they needed. " * 6
    groq_env.script(Step(content=turn_reply("hint", action="stay", say="Sure (hint). " + spoken, ask="What would you do?"), mode="cut"))
    chat(at, "Could I have a hint, please?")
    assert len(turn_requests(groq_env)) == 1  # words went out, so no retry: the turn falls back
    assert any("cut" in w and "offline interviewer" in w for w in warnings(at)), warnings(at)
    turn = at.session_state["iv_state"].turns[-1]
    assert texts(at)[-1] == turn.reply and turn.engine != "groq"
    assert not any("Think about the customer" in t for t in texts(at))


def test_server_key_is_overridden_by_a_pasted_key(groq_env):
    at = go(new_app(), "app_pages/settings.py")
    assert any("server's key" in i.value for i in at.info)
    at.text_input(key="st_key_input").input(USER_KEY)
    at.button(key="st_use_key").click()
    run(at)
    go(at, "app_pages/interview.py")
    start(at)
    chat(at, ANSWER)
    calls = groq_env.chat_requests()
    assert len(calls) == 2 and all(r.headers["authorization"] == f"Bearer {USER_KEY}" for r in calls)
    assert_key_hidden(at, USER_KEY)
    assert_key_hidden(at, TEST_KEY)


def test_correction_is_rescored_by_groq_and_says_when_it_could_not_be(groq_env):
    at = start(new_app())
    chat(at, "I fixed it.")
    at.selectbox(key="iv_edit_turn").select(0)
    run(at)
    at.text_area(key="iv_edit_text_0").input(GOOD)
    at.button(key="iv_edit_save").click()
    run(at)
    rescore = [r for r in groq_env.chat_requests() if system_prompt(r).startswith("You score one answer")]
    assert len(rescore) == 1 and GOOD in rescore[0].message("user")
    assert at.session_state["iv_state"].asked[0].assessment.scored_by == "groq"
    assert "Answer corrected and re-scored; the report follows." in warnings(at)
    groq_env.script(*[Step(status=500)] * 3)
    at.text_area(key="iv_edit_text_0").input(GOOD + " We also wrote a postmortem.")
    at.button(key="iv_edit_save").click()
    run(at)
    assert groq_env.pending() == 0
    assert at.session_state["iv_state"].asked[0].assessment.scored_by != "groq"
    assert any("re-scored by the offline rubric" in w for w in warnings(at)), warnings(at)


def test_report_summary_is_computed_in_code_while_the_ai_interviewer_is_paused(groq_env):
    at = start(new_app())
    groq_env.script(Step(status=401))
    chat(at, ANSWER)
    at.button(key="sb_end").click()
    run(at)
    go(at, "app_pages/report.py")
    assert summary_requests(groq_env) == []
    assert any("Summary computed from the scores below." in c.value for c in at.caption)
    assert "AI interviewer is paused" in sidebar_warnings(at)


def test_refresh_answers_a_message_whose_reply_was_cut_off_through_groq(groq_env, tmp_path):
    from interview import JsonFileStore

    at = start(new_app())
    state = at.session_state["iv_state"]
    state.pending = ANSWER  # what a refresh mid-reply leaves in the saved session
    JsonFileStore(tmp_path / "data").save(state)
    fresh = AppTest.from_file(APP, default_timeout=30)
    fresh.query_params["session"] = state.id
    run(fresh)
    turns = turn_requests(groq_env)
    assert len(turns) == 1 and candidate_message(turns[0].body) == ANSWER
    assert texts(fresh)[-2:] == [ANSWER, expected_reply(turns[0].body)]
    assert fresh.session_state["iv_state"].pending is None
    run(fresh)
    assert len(turn_requests(groq_env)) == 1


def test_long_message_prefix_survives_a_fallback(groq_env):
    at = start(new_app())
    groq_env.script(Step(status=401))
    chat(at, "I did it. " + "word " * 1200)
    turn = at.session_state["iv_state"].turns[-1]
    assert turn.truncated and turn.reply.startswith("(Your message was longer than 4,000 characters")
    assert texts(at)[-1] == turn.reply


def _finished_on_groq() -> AppTest:
    at = start(new_app())
    chat(at, GOOD)
    at.button(key="sb_end").click()
    return run(at)


def test_report_page_survives_a_too_short_summary(groq_env):
    at = _finished_on_groq()
    groq_env.script("Good job.")
    at.switch_page("app_pages/report.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Summary computed from the scores below." in c.value for c in at.caption)


def test_report_page_does_not_show_a_truncated_summary(groq_env):
    at = _finished_on_groq()
    groq_env.script(Step(content="You answered clearly and kept to the questions. Your strongest area was structure. "
                                 "Work next on adding numbers to every story you tell.", mode="truncated"))
    go(at, "app_pages/report.py")
    assert len(summary_requests(groq_env)) >= 1
    assert not any(t.startswith(SUMMARY) and not t.endswith(".") for t in texts(at)), texts(at)[:1]
    # The cut stream is retried: the full summary from the second call (auto_reply) is shown, or the code-made one.
    assert any("Summary computed from the scores below." in c.value for c in at.caption) or any(
        t.startswith(SUMMARY) and t.endswith("adding numbers.") for t in texts(at))
