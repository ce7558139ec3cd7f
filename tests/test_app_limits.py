"""AppTest runs of what a class host needs: an over-long recording refused on the page, the secrets warning for the operator."""

from __future__ import annotations

import os

import pytest
import streamlit as st
from apptest import APP, run
from streamlit import config
from streamlit.testing.v1 import AppTest

from interview.testing.audio_samples import silent_opus, tone_wav
from interview.testing.speech_samples import convert

pytestmark = [pytest.mark.app, pytest.mark.filterwarnings("ignore::DeprecationWarning:speech_recognition")]  # the mic recorder imports it

KEY = "gsk_do_not_show_me_0123456789"


@pytest.fixture
def at() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def start(at: AppTest) -> AppTest:
    run(at)
    at.selectbox(key="iv_role").select("Software Engineer")
    run(at)
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    return run(at)


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_an_upload_over_the_limit_is_refused_on_the_page(at, monkeypatch):
    monkeypatch.setenv("INTERVIEW_MAX_AUDIO_SECONDS", "20")
    start(at)
    at.file_uploader(key="iv_audio_upload").set_value(("long.webm", convert(tone_wav(30.0), "webm"), "audio/webm"))
    run(at)
    assert any("30 s long; answers can be at most 20 s" in e for e in errors(at)), errors(at)
    assert at.text_area(key="iv_voice_text").value == ""


def test_two_hours_of_recorded_silence_is_refused_on_the_page(at):
    import base64

    start(at)
    audio = silent_opus(7200, fmt="webm", live=True, frame_ms=60)
    at.session_state["iv_mic"] = {"id": 1, "audio_base64": base64.b64encode(audio).decode(), "sample_rate": 48000,
                                  "sample_width": 2, "format": "webm"}
    run(at)
    assert any("2 h 0 min long; answers can be at most 10 min" in e for e in errors(at)), errors(at)


@pytest.fixture
def secrets_files(tmp_path):
    """Point Streamlit's secrets.files at a file of the test's, and let app.py check it afresh."""
    path = tmp_path / "secrets.toml"
    path.write_text(f'GROQ_API_KEY = "{KEY}"\n')
    old = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    st.secrets._reset()  # st.secrets keeps what it parsed: read the test's file now, and forget it after
    st.cache_resource.clear()
    yield path
    config.set_option("secrets.files", old)
    st.secrets._reset()
    st.cache_resource.clear()


def sidebar_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.sidebar.warning]


def test_a_readable_secrets_file_is_flagged_in_the_sidebar_without_its_content(at, secrets_files):
    """AppTest's visitor is not on the server's machine: the note says only that the log has the details."""
    os.chmod(secrets_files, 0o644)
    run(at)
    [note] = [w for w in sidebar_warnings(at) if w.startswith("Server set-up:")]
    assert "server's log" in note and KEY not in note and str(secrets_files) not in note


def test_a_private_secrets_file_gives_no_warning(at, secrets_files):
    os.chmod(secrets_files, 0o600)
    run(at)
    assert not [w for w in sidebar_warnings(at) if w.startswith("Server set-up:")]
