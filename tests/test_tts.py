"""Text-to-speech: the real pyttsx3 speaker in its worker child, its cache, its faults, and the `speak` command."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from interview.errors import SpeechError, SpeechUnavailable
from interview.speech.tts import FakeSpeaker, Pyttsx3Speaker, get_speaker, wav_info

pytestmark = pytest.mark.speech

ROOT = Path(__file__).resolve().parents[1]
LONG = ("Tell me about a time you disagreed with a teammate about a technical decision, how you worked out "
        "what mattered, how you resolved it, and what you learned from it.")  # 30 words
SHORT = "Tell me about yourself."
# A request timeout that a worker start plus a synthesis meets on a loaded machine, waited out once per hang test.
HUNG_S = 4.0


@pytest.fixture
def make_speaker(tmp_path):
    """Build Pyttsx3Speakers caching in tmp_path; each is closed (worker stopped) after the test."""
    made: list[Pyttsx3Speaker] = []

    def _make(**options) -> Pyttsx3Speaker:
        options.setdefault("timeout", 10.0)
        speaker = Pyttsx3Speaker(tmp_path / f"tts-cache-{len(made)}", **options)
        made.append(speaker)
        return speaker

    yield _make
    for speaker in made:
        speaker.close()


@pytest.fixture
def speaker(make_speaker):
    return make_speaker()


def seconds(data: bytes) -> float:
    return wav_info(data)[2]


def test_long_text_gives_longer_wav_and_repeat_comes_from_cache(speaker):
    assert len(LONG.split()) == 30
    long = speaker.speak(LONG)
    rate, channels, long_seconds = wav_info(long)
    assert rate > 0 and channels >= 1
    assert seconds(speaker.speak(SHORT)) < long_seconds / 2
    synths, starts, pid = speaker.synth_count, speaker.worker_starts, speaker.worker_pid
    assert speaker.speak(LONG) == long
    assert (speaker.synth_count, speaker.worker_starts, speaker.worker_pid) == (synths, starts, pid)


def test_cache_hit_starts_no_process_even_in_a_new_speaker(make_speaker, tmp_path):
    first = make_speaker()
    data = first.speak(SHORT)
    second = Pyttsx3Speaker(first.cache_dir, python="/nonexistent/python")  # could not start any worker
    assert second.speak(SHORT) == data
    assert (second.synth_count, second.worker_starts) == (0, 0)


def test_rate_and_voice_are_separate_cache_entries(speaker):
    slow = speaker.speak(LONG, rate=120)
    fast = speaker.speak(LONG, rate=260)
    assert seconds(fast) < seconds(slow) * 0.7
    ids = [v.id for v in speaker.voices()]
    assert "gmw/en-us" in ids and ids[0].startswith("gmw/en")  # English voices first
    american = speaker.speak(LONG, rate=120, voice="gmw/en-us")
    assert american != slow
    assert speaker.synth_count == 3
    assert len(list(speaker.cache_dir.glob("*.wav"))) == 3


def test_cache_keeps_only_the_most_recent_files(make_speaker):
    speaker = make_speaker(max_cache_files=2)
    for word in ("one", "two", "three"):
        speaker.speak(f"Question {word}.")
        time.sleep(0.01)  # distinct modification times
    assert len(list(speaker.cache_dir.glob("*.wav"))) == 2
    count = speaker.synth_count
    speaker.speak("Question three.")
    assert speaker.synth_count == count  # the newest entry was kept
    speaker.speak("Question one.")
    assert speaker.synth_count == count + 1  # the oldest was deleted


def test_eight_threads_at_once_are_serialized_in_one_worker(speaker):
    barrier = threading.Barrier(8)

    def ask(i: int) -> bytes:
        barrier.wait()
        return speaker.speak(f"Question number {i}: {SHORT}")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(ask, range(8)))
    assert all(wav_info(r)[2] > 0.5 for r in results)
    assert len(set(results)) == 8
    assert speaker.synth_count == 8 and speaker.worker_starts == 1
    spans = sorted(speaker.synth_spans)
    assert len(spans) == 8
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False))
    assert speaker.worker_pid is not None and speaker.worker_pid != os.getpid()


def test_worker_environment_has_no_secrets(speaker, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "sekrit")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sekrit")
    names = speaker._request({"op": "env"})["env"]
    assert set(names) <= {"PATH", "HOME", "TMPDIR", "LANG"}
    assert "GROQ_API_KEY" not in names


def test_killed_worker_is_restarted_on_next_request(speaker):
    speaker.speak(SHORT)
    pid = speaker.worker_pid
    os.kill(pid, signal.SIGKILL)
    data = speaker.speak(LONG)
    assert seconds(data) > 1
    assert speaker.worker_starts == 2 and speaker.worker_pid not in (None, pid)


@pytest.mark.parametrize("kind", ["exit", "garbage"])
def test_worker_that_dies_or_writes_garbage_midway_is_retried(speaker, kind):
    speaker.speak(SHORT)
    speaker._request({"op": "fault", "kind": kind})
    assert seconds(speaker.speak(LONG)) > 1
    assert speaker.synth_count == 3


@pytest.mark.parametrize("kind", ["exit", "garbage"])
def test_without_retries_a_failed_attempt_raises(make_speaker, kind):
    speaker = make_speaker(retries=0)
    speaker._request({"op": "fault", "kind": kind})
    with pytest.raises(SpeechError, match="Could not speak the text") as err:
        speaker.speak(SHORT)
    assert not isinstance(err.value, SpeechUnavailable)
    assert seconds(speaker.speak(SHORT)) > 0.5  # the next request works


def test_hung_worker_is_killed_after_timeout_and_request_retried(make_speaker):
    speaker = make_speaker(timeout=HUNG_S, retries=1)
    speaker.speak(SHORT)
    pid = speaker.worker_pid
    speaker._request({"op": "fault", "kind": "stall", "seconds": 60})
    started = time.monotonic()
    data = speaker.speak(LONG)
    assert time.monotonic() - started >= HUNG_S  # the hung attempt was waited out, then the retry spoke
    assert seconds(data) > 1
    assert speaker.worker_pid not in (None, pid)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_hung_worker_without_retries_raises_speech_error(make_speaker):
    speaker = make_speaker(timeout=HUNG_S, retries=0)
    speaker._request({"op": "fault", "kind": "stall", "seconds": 60})
    with pytest.raises(SpeechError, match="did not answer in time"):
        speaker.speak(SHORT)
    assert speaker.worker_pid is None
    assert seconds(speaker.speak(SHORT)) > 0.5


def _wav(frames: int, rate: int = 22050) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * frames)
    return buf.getvalue()


@pytest.mark.parametrize("data", [b"", b"garbage bytes, not audio", b"RIFF\x24\0\0\0WAVEfmt ", _wav(0), _wav(100), _wav(22050)[:-1000]],
                         ids=["empty-bytes", "garbage", "header-only", "empty-wav", "too-short", "truncated"])
def test_wav_info_rejects_invalid_audio(data):
    with pytest.raises(SpeechError):
        wav_info(data)


def test_wav_info_reads_valid_audio():
    assert wav_info(_wav(11025)) == (22050, 1, 0.5)


@pytest.mark.parametrize(("text", "options", "message"), [
    ("", {}, "Nothing to speak"),
    ("  \n\t ", {}, "Nothing to speak"),
    ("word " * 500, {}, "too long to read aloud"),
    (SHORT, {"rate": 20}, "from 80 to 300"),
    (SHORT, {"rate": 301}, "from 80 to 300"),
    (SHORT, {"voice": "klingon/tlh"}, "Unknown voice 'klingon/tlh'"),
])
def test_bad_requests_raise_speech_error(speaker, text, options, message):
    with pytest.raises(SpeechError, match=message):
        speaker.speak(text, **options)
    assert speaker.synth_count == 0


def test_unknown_speaker_name_is_unavailable():
    with pytest.raises(SpeechUnavailable, match="Unknown speech engine 'nope'"):
        get_speaker("nope")


def _no_pyttsx3_python(tmp_path: Path) -> str:
    """A python launcher without site-packages, as on a machine where pyttsx3 is not installed."""
    script = tmp_path / "python-without-site"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("launcher", ["no-pyttsx3", "exits-at-once", "missing"])
def test_no_engine_means_unavailable_and_speak_says_text_continues(make_speaker, tmp_path, launcher):
    python = {"no-pyttsx3": _no_pyttsx3_python(tmp_path), "exits-at-once": "/bin/false", "missing": str(tmp_path / "nope")}[launcher]
    speaker = make_speaker(python=python)
    assert speaker.available() is False
    with pytest.raises(SpeechUnavailable, match="questions are shown as text"):
        speaker.speak(SHORT)
    with pytest.raises(SpeechUnavailable):
        speaker.voices()


def test_fake_speaker_follows_the_contract():
    fake = get_speaker("fake")
    assert isinstance(fake, FakeSpeaker) and fake.available()
    assert seconds(fake.speak(LONG)) > seconds(fake.speak(SHORT))
    assert seconds(fake.speak(LONG, rate=260)) < seconds(fake.speak(LONG, rate=120))
    with pytest.raises(SpeechError, match="Nothing to speak"):
        fake.speak(" ")
    with pytest.raises(SpeechError, match="Unknown voice"):
        fake.speak(SHORT, voice="gmw/en-us")
    assert fake.spoken[0] == (LONG, None, 175)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "interview", "speak", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_cli_speak_writes_a_wav(tmp_path):
    out = tmp_path / "out.wav"
    proc = run_cli("Hello there, tell me about yourself.", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    assert seconds(out.read_bytes()) > 1
    assert list((Path(os.environ["INTERVIEW_DATA_DIR"]) / "tts-cache").glob("*.wav"))  # cached under the data dir


@pytest.mark.parametrize(("args", "message"), [(["  "], "Nothing to speak"), (["Hi.", "--voice", "nope"], "Unknown voice 'nope'")])
def test_cli_speak_rejects_bad_input_with_status_2(tmp_path, args, message):
    out = tmp_path / "out.wav"
    proc = run_cli(*args, "-o", str(out))
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
