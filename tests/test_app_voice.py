"""AppTest runs of speaking and listening: spoken answers (recorded or uploaded), hands-free, questions read aloud.

Speech is real: espeak-ng says a known sentence, the bundled Whisper transcribes it. Only the mic recorder's
browser side is injected (``at.session_state["iv_mic"]``); the browser tier records through a fake microphone.
"""

from __future__ import annotations

import base64
import io
import shutil
import wave

import pytest
from apptest import APP, run
from streamlit.testing.v1 import AppTest

from interview.testing.speech_samples import speak_wav

pytestmark = [pytest.mark.app, pytest.mark.filterwarnings("ignore::DeprecationWarning:speech_recognition")]  # the mic recorder imports it

SPOKEN = "At my last job I found a race condition in the checkout service and added a regression test."
KEY_WORDS = ("checkout", "service", "regression", "test")
NO_SPEECH = "Spoken questions are not available on this server (no speech engine); questions stay as text."


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory) -> bytes:
    """A WAV of SPOKEN said by espeak-ng at 160 words per minute."""
    return speak_wav(SPOKEN, tmp_path_factory.mktemp("voice") / "answer.wav", wpm=160, voice="en").read_bytes()


def tiny_wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16_000)
        w.writeframes(bytes(3200))
    return buf.getvalue()


class FakeVoice:
    def __init__(self, id: str, name: str, languages: list[str]) -> None:
        self.id, self.name, self.languages = id, name, languages


class FakeSpeaker:
    """Speaks nothing, quickly: the page's behaviour, not the speech engine, is under test here."""

    def __init__(self, available: bool = True) -> None:
        self._available, self.spoken = available, []

    def available(self) -> bool:
        return self._available

    def voices(self) -> list[FakeVoice]:
        return [FakeVoice("de", "German", ["de"]), FakeVoice("gb", "English (Great Britain)", ["en-gb"]),
                FakeVoice("us", "English (America)", ["en-us"])]

    def speak(self, text: str, *, voice: str | None = None, rate: int = 175) -> bytes:
        self.spoken.append((text, voice, rate))
        return tiny_wav()


@pytest.fixture
def at() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def start(at: AppTest, count: int = 3) -> AppTest:
    run(at)
    at.selectbox(key="iv_role").select("Software Engineer")
    run(at)
    at.slider(key="iv_count").set_value(count)
    at.button(key="FormSubmitter:iv_setup-Start interview").click()
    return run(at)


def record(at: AppTest, audio: bytes, id: int = 1) -> AppTest:
    """Do what the mic recorder does in the browser when a recording stops."""
    at.session_state["iv_mic"] = {"id": id, "audio_base64": base64.b64encode(audio).decode(), "sample_rate": 22050,
                                  "sample_width": 2, "format": "wav"}
    return run(at)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def heard(at: AppTest) -> str:
    return at.text_area(key="iv_voice_text").value


def test_a_recorded_answer_is_transcribed_checked_corrected_sent_and_reported(at, spoken_wav):
    start(at)
    record(at, spoken_wav)
    text = heard(at).lower()
    assert sum(w in text for w in KEY_WORDS) >= 3, text
    assert any(c.startswith("Measured:") and "words/min" in c and "first word after" in c for c in captions(at)), captions(at)
    edited = "I found a race condition in the checkout service, reproduced it from the logs and added a regression test."
    at.text_area(key="iv_voice_text").input(edited)
    at.button(key="iv_voice_send").click()
    run(at)
    state = at.session_state["iv_state"]
    turn = state.turns[-1]
    assert turn.message == edited and turn.input_mode == "voice"
    assert turn.delivery is not None and 100 < turn.delivery.words_per_minute < 260
    assert edited in texts(at) and turn.reply in texts(at)  # the answer, then the interviewer's reply, in the chat
    assert heard(at) == "" and "iv_voice_delivery" not in at.session_state
    assert any(c.startswith("spoken · ") for c in captions(at))
    # The next run neither re-transcribes the same recording nor sends it again.
    run(at)
    assert len(at.session_state["iv_state"].turns) == 1 and heard(at) == ""
    at.button(key="sb_end").click()
    run(at)
    at.switch_page("app_pages/report.py")
    run(at)
    rate = next(m for m in at.metric if m.label == "Speaking rate")
    measured = at.session_state["iv_state"].turns[0].delivery.words_per_minute
    assert rate.value.endswith(" words/min") and abs(float(rate.value.split()[0]) - measured) < 1, (rate.value, measured)
    assert any(t.startswith("Measured on 1 spoken answer(s): speaking rate") for t in texts(at))


def test_typed_answers_report_delivery_as_not_measured(at):
    start(at)
    at.chat_input(key="iv_chat").set_value("I reproduced the bug and fixed the race condition with a lock.")
    run(at)
    at.switch_page("app_pages/report.py")
    run(at)
    assert "Speaking rate and pauses: not measured (typed answers)." in texts(at)
    assert not any(m.label == "Speaking rate" for m in at.metric)


def test_hands_free_sends_as_soon_as_it_is_transcribed(at, spoken_wav):
    start(at)
    at.toggle(key="iv_handsfree").set_value(True)
    run(at)
    record(at, spoken_wav)
    turns = at.session_state["iv_state"].turns
    assert len(turns) == 1 and turns[0].input_mode == "voice" and "checkout" in turns[0].message.lower()
    assert turns[0].reply in texts(at) and heard(at) == ""
    # Still correctable afterwards, like any answer.
    assert at.text_area(key="iv_edit_text_0").value == turns[0].message


def test_an_unreadable_recording_shows_why_and_typing_still_works(at):
    start(at)
    record(at, b"this is not audio " * 200)
    assert any("Could not read this audio" in e.value for e in at.error)
    assert heard(at) == "" and not at.session_state["iv_state"].turns
    at.chat_input(key="iv_chat").set_value("I fixed it by adding a lock around the shared cache.")
    run(at)
    assert len(at.session_state["iv_state"].turns) == 1 and at.session_state["iv_state"].turns[0].input_mode == "typed"


def test_sending_an_empty_box_says_so_and_sends_nothing(at):
    start(at)
    at.button(key="iv_voice_send").click()
    run(at)
    assert any("no spoken answer to send" in w.value for w in at.warning)
    assert not at.session_state["iv_state"].turns


def test_an_uploaded_recording_is_transcribed(at, spoken_wav):
    start(at)
    at.file_uploader(key="iv_audio_upload").set_value(("answer.wav", spoken_wav, "audio/wav"))
    run(at)
    assert sum(w in heard(at).lower() for w in KEY_WORDS) >= 3, heard(at)
    at.button(key="iv_voice_send").click()
    run(at)
    assert at.session_state["iv_state"].turns[-1].input_mode == "voice"
    run(at)  # the same upload, still in the box, is not transcribed again
    assert heard(at) == ""


def turn_speech_on(at: AppTest, speaker: FakeSpeaker) -> AppTest:
    at.session_state["app_speaker"] = speaker
    at.switch_page("app_pages/settings.py")
    run(at)
    at.toggle(key="st_tts_on").set_value(True)
    run(at)
    return at


def audio(at: AppTest) -> list:
    return list(at.get("audio"))


def test_the_latest_words_are_read_aloud(at):
    speaker = FakeSpeaker()
    turn_speech_on(at, speaker)
    assert at.selectbox(key="st_tts_voice").value == "us"  # American English first, chosen by default
    at.slider(key="st_tts_rate").set_value(150)
    run(at)
    at.button(key="st_tts_sample").click()
    run(at)
    assert len(audio(at)) == 1 and speaker.spoken[-1][1:] == ("us", 150)
    at.switch_page("app_pages/interview.py")
    start(at)
    state = at.session_state["iv_state"]
    assert [(a.proto.autoplay, a.proto.alt) for a in audio(at)] == [(True, "The interviewer's message 1, read aloud")]
    assert speaker.spoken[-1] == (state.opening, "us", 150)
    at.chat_input(key="iv_chat").set_value("I reproduced the bug and fixed the race condition with a lock.")
    run(at)
    reply = at.session_state["iv_state"].turns[-1].reply
    assert [a.proto.alt for a in audio(at)] == ["The interviewer's message 2, read aloud"] and speaker.spoken[-1][0] == reply
    run(at)  # a rerun shows the same player (the browser does not autoplay an element it has shown)
    assert [a.proto.alt for a in audio(at)] == ["The interviewer's message 2, read aloud"]
    at.switch_page("app_pages/settings.py")
    run(at)
    at.toggle(key="st_tts_autoplay").set_value(False)
    run(at)
    at.switch_page("app_pages/interview.py")
    run(at)
    assert [a.proto.autoplay for a in audio(at)] == [False]


def test_the_real_speech_engine_reads_the_first_question(at, tmp_path):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed: apt-get install espeak-ng (.ci/run does)")
    from interview.speech.tts import wav_info
    from ui import shell

    try:
        at.switch_page("app_pages/settings.py")
        run(at)
        at.toggle(key="st_tts_on").set_value(True)
        run(at)
        assert at.selectbox(key="st_tts_voice").value == "gmw/en-us"
        at.switch_page("app_pages/interview.py")
        start(at)
        assert len(audio(at)) == 1 and audio(at)[0].proto.autoplay
        spoken = list((tmp_path / "data" / "tts-cache").glob("*.wav"))  # the speaker caches what it said on disk
        assert len(spoken) == 1 and wav_info(spoken[0].read_bytes())[2] > 3
    finally:
        shell._shared_speaker.clear()  # stops the speech worker


def test_speech_off_by_default_plays_nothing(at):
    at.session_state["app_speaker"] = FakeSpeaker()
    start(at)
    assert not audio(at) and not at.session_state["app_speaker"].spoken


def test_no_speech_engine_says_so_once_and_carries_on(at):
    at.session_state["app_speaker"] = FakeSpeaker(available=False)
    at.session_state["app_tts_on"] = True
    start(at)
    assert [i.value for i in at.info].count(NO_SPEECH) == 1 and not audio(at)
    at.chat_input(key="iv_chat").set_value("I reproduced the bug and fixed the race condition with a lock.")
    run(at)
    assert NO_SPEECH not in [i.value for i in at.info] and len(at.session_state["iv_state"].turns) == 1
    at.switch_page("app_pages/settings.py")  # Settings says so too, and offers no switch that cannot work
    run(at)
    assert NO_SPEECH in [i.value for i in at.info] and not at.toggle


def test_settings_offer_groq_speech_to_text_only_with_a_key(at):
    at.session_state["app_speaker"] = FakeSpeaker()
    at.switch_page("app_pages/settings.py")
    run(at)
    assert at.radio(key="st_stt").options == ["Local Whisper (offline)"]
    at.session_state["app_user_key"] = "gsk_user_key_for_this_test"
    run(at)
    assert at.radio(key="st_stt").options == ["Local Whisper (offline)", "Groq Whisper (needs a key; audio leaves this server)"]
    at.radio(key="st_stt").set_value("groq")
    run(at)
    assert at.session_state["app_stt"] == "groq"


def test_groq_speech_to_text_with_a_pasted_key(at, spoken_wav, fake_groq, monkeypatch):
    """A key pasted in Settings lets Groq transcribe; its failures are shown and the interview carries on."""
    monkeypatch.setenv("GROQ_API_BASE", fake_groq.base_url)  # no server key: the interviewer stays offline
    user_key = "gsk_pasted_for_this_session_0123456789"
    at.session_state["app_user_key"] = user_key
    at.switch_page("app_pages/settings.py")
    run(at)
    at.radio(key="st_stt").set_value("groq")
    run(at)
    at.switch_page("app_pages/interview.py")
    start(at)
    record(at, spoken_wav)
    assert heard(at) == "I fixed the bug." and fake_groq.requests[-1].headers["authorization"] == f"Bearer {user_key}"
    assert any(c.startswith("Measured: ") for c in captions(at))
    fake_groq.transcription = 401
    record(at, spoken_wav, id=2)
    assert any(e.value.startswith("Groq could not transcribe the recording") for e in at.error)
    assert not any(user_key in e.value for e in at.error)
    at.button(key="iv_voice_send").click()  # the first transcript is still there to send
    run(at)
    assert at.session_state["iv_state"].turns[-1].message == "I fixed the bug."
