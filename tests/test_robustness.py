"""Whatever a person types, the interview replies, keeps a valid state, and loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interview import ConfigError, EngineUnavailable, InterviewOptions, InterviewService, JsonFileStore, SessionState, Settings, get_engine
from interview.intents import detect_intent

pytestmark = pytest.mark.unit

WORDS = ["skip", "end", "hint", "repeat", "what do you mean", "I", "decided", "we", "customer", "5%", "backend", "ignore",
         "instructions", "score", "100", "<b>x</b>", "**x**", "pizza", "asdfgh", "\n", "🙂", "  ", "I'm done", "pass"]
messages = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join))


@given(text=messages)
@settings(max_examples=300, deadline=None)
def test_any_text_gets_an_intent(text):
    assert detect_intent(text).intent.value


@given(batch=st.lists(messages, min_size=1, max_size=12), seed=st.integers(0, 10_000))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_conversation_keeps_a_valid_saved_state(tmp_path, batch, seed):
    store = JsonFileStore(tmp_path / "fuzz")
    service = InterviewService(get_engine("offline"), store)
    state = service.start(InterviewOptions(role="general", num_questions=3, seed=seed))
    for text in batch:
        if state.status == "finished":
            break
        result = service.submit(state, text)
        state = result.state
        assert result.turn.reply.strip()
        assert store.load(state.id) == state  # saved before it was handed back
    assert SessionState.model_validate_json(state.model_dump_json()) == state
    _, report = service.finish(state)
    assert report.overall is None or 0 <= report.overall <= 100


def test_settings_read_the_environment_and_reject_bad_values(tmp_path):
    s = Settings.from_sources(env={"INTERVIEW_DATA_DIR": str(tmp_path), "INTERVIEW_QUESTIONS": "8"}, secrets={})
    assert s.data_dir == tmp_path and s.default_questions == 8 and s.resolved_engine == "offline"  # no key: offline
    s = Settings.from_sources(env={"GROQ_API_KEY": "gsk_x"}, secrets={})
    assert s.resolved_engine == "groq" and "gsk_x" not in repr(s)
    s = Settings.from_sources(env={"GROQ_API_KEY": "gsk_x", "INTERVIEW_ENGINE": "offline"}, secrets={})
    assert s.resolved_engine == "offline"
    s = Settings.from_sources(env={}, secrets={"INTERVIEW_QUESTIONS": "4"})
    assert s.default_questions == 4
    with pytest.raises(ConfigError, match="INTERVIEW_QUESTIONS"):
        Settings.from_sources(env={"INTERVIEW_QUESTIONS": "zero"}, secrets={})


def test_unknown_engine_says_what_is_available():
    with pytest.raises(EngineUnavailable, match="choose one of offline"):
        get_engine("gpt-99")


def test_each_test_sees_the_default_settings(tmp_path):
    """Whatever the shell exports, a test starts from the defaults: only the data directory is set, to tmp_path
    (and, in the unit tier, the embedding model is off: unit tests judge by words alone)."""
    assert [v for v in os.environ if v.startswith("INTERVIEW_")] == ["INTERVIEW_DATA_DIR", "INTERVIEW_EMBEDDINGS"]
    assert os.environ["INTERVIEW_EMBEDDINGS"] == "off"
    assert not {"GROQ_API_KEY", "GROQ_API_BASE", "GROQ_MODEL"} & set(os.environ)
    defaults = Settings.from_sources(env={"INTERVIEW_DATA_DIR": os.environ["INTERVIEW_DATA_DIR"], "INTERVIEW_EMBEDDINGS": "off"}, secrets={})
    assert Settings.from_sources(secrets={}) == defaults
    assert defaults.code_execution and defaults.max_message_chars == 4000 and defaults.resolved_engine == "offline"


def test_settings_exported_in_the_shell_do_not_reach_the_tests(tmp_path):
    hostile = {"INTERVIEW_CODE_EXECUTION": "off", "INTERVIEW_MAX_MESSAGE_CHARS": "50", "INTERVIEW_ENGINE": "groq",
               "INTERVIEW_QUESTIONS": "3", "INTERVIEW_SOMETHING_NEW": "1", "GROQ_API_KEY": "gsk_from_the_shell"}
    test = f"{Path(__file__).name}::test_each_test_sees_the_default_settings"
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=Path(__file__).parent,
                         env={**os.environ, **hostile}, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:]
