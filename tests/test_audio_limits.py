"""Bad or oversized recordings are refused cheaply: the length is read before decoding, and the decode stops at the limit.

Before this, a 2.7 MB Ogg/Opus file holding two hours of silence was decoded whole (1.1 GB more memory, 9 s of CPU)
and only then refused. ``python benchmarks/audio_limits.py`` prints both figures beside each other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from interview import cli
from interview.errors import ConfigError, SpeechError, SpeechUnavailable
from interview.settings import Settings
from interview.speech.audio import MAX_BYTES, SAMPLE_RATE, clock, decode
from interview.speech.stt import get_transcriber
from interview.testing.audio_samples import set_webm_duration, silent_opus, tone_wav
from interview.testing.speech_samples import convert

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
TWO_HOURS = 7200


def tone(seconds: float, container: str = "wav", **wav) -> bytes:
    data = tone_wav(seconds, **wav)
    return data if container == "wav" else convert(data, container)


# --- over the limit ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "live"), [("ogg", False), ("webm", False), ("webm", True)], ids=["ogg", "webm", "browser-webm"])
def test_two_hours_of_silence_is_refused_with_the_limit_and_its_length(fmt, live):
    audio = silent_opus(TWO_HOURS, fmt=fmt, live=live, frame_ms=60)  # 60 ms packets: a third as many to make
    assert len(audio) < 5 * 2**20  # small on the wire: only its length gives it away
    with pytest.raises(SpeechError) as info:
        decode(audio)
    message = str(info.value)
    assert "2 h 0 min long" in message and "at most 10 min" in message and "shorter answer" in message


def test_refusing_two_hours_costs_little_memory_and_cpu(tmp_path):
    """Measured in a child of its own: peak memory (ru_maxrss) and CPU time spent refusing the file."""
    path = tmp_path / "silence.ogg"
    path.write_bytes(silent_opus(TWO_HOURS))  # 20 ms packets, as browsers cut them: 2.7 MB, the fault injector's file
    child = """
import json, resource, sys, time
from interview.errors import SpeechError
from interview.speech.audio import decode
from interview.testing.audio_samples import tone_wav
decode(tone_wav(1.0))  # PyAV, numpy and the codecs loaded before measuring
audio = open(sys.argv[1], "rb").read()
before, cpu = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.process_time()
try:
    decode(audio)
    message = None
except SpeechError as exc:
    message = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grown_mb": (after - before) / 1024, "cpu_s": time.process_time() - cpu, "message": message}))
"""
    out = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    print(f"\n[audio] two hours of silence refused: +{result['grown_mb']:.1f} MB, {result['cpu_s']:.2f} s CPU")
    assert result["message"] and "2 h 0 min" in result["message"]
    assert result["grown_mb"] < 100  # decoded whole it was +1,100 MB
    assert result["cpu_s"] < 2.0  # decoded whole it was 9 s


def test_a_header_that_claims_two_seconds_does_not_hide_two_hours():
    liar = set_webm_duration(silent_opus(TWO_HOURS, fmt="webm", frame_ms=60), 2.0)
    tracemalloc.start()
    try:
        with pytest.raises(SpeechError, match="2 h 0 min long"):
            decode(liar)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # ten minutes decoded would already be 38 MB of samples


def test_the_decode_stops_at_the_limit_when_the_timestamps_say_nothing():
    """Every packet stamped 0: neither header nor packets tell the length, so the decode itself must stop."""
    audio = silent_opus(180, fmt="webm", frame_ms=60, step_ms=0)  # 3,000 packets: under the count any codec allows
    tracemalloc.start()
    try:
        with pytest.raises(SpeechError, match="longer than 10 s; answers can be at most 10 s"):
            decode(audio, max_seconds=10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * (10 + 1) * SAMPLE_RATE * 2  # about the limit's worth of float32 samples, never the 180 s (11.5 MB)


def test_the_limit_is_the_callers():
    audio = tone(30.0, "webm")
    with pytest.raises(SpeechError, match="30 s long; answers can be at most 20 s"):
        decode(audio, max_seconds=20)
    samples, seconds = decode(audio, max_seconds=40)
    assert seconds == pytest.approx(30.0, abs=0.1) and len(samples) == pytest.approx(30 * SAMPLE_RATE, abs=1600)


def test_the_limit_comes_from_INTERVIEW_MAX_AUDIO_SECONDS():
    assert Settings.from_sources(env={}).max_audio_seconds == 600
    assert Settings.from_sources(env={"INTERVIEW_MAX_AUDIO_SECONDS": "90"}).max_audio_seconds == 90
    assert Settings.from_sources(env={}, secrets={"INTERVIEW_MAX_AUDIO_SECONDS": 120}).max_audio_seconds == 120
    with pytest.raises(ConfigError, match="INTERVIEW_MAX_AUDIO_SECONDS"):
        Settings.from_sources(env={"INTERVIEW_MAX_AUDIO_SECONDS": "5"})


@pytest.mark.parametrize("backend", ["whisper", "groq"])
def test_both_transcribers_refuse_before_loading_a_model_or_sending_anything(tmp_path, backend):
    """No model folder exists and no server listens: reaching either would be a different error."""
    transcriber = get_transcriber(backend, model=str(tmp_path / "no-model"), api_key="gsk_unused", base_url="http://127.0.0.1:9",
                                  max_seconds=20)
    with pytest.raises(SpeechError, match="at most 20 s") as info:
        transcriber.transcribe(tone(30.0, "ogg"), filename="answer.ogg")
    assert not isinstance(info.value, SpeechUnavailable)


def test_the_cli_uses_the_setting(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INTERVIEW_MAX_AUDIO_SECONDS", "20")
    path = tmp_path / "long.webm"
    path.write_bytes(tone(30.0, "webm"))
    assert cli.main(["transcribe", str(path)]) == 2
    assert "30 s long; answers can be at most 20 s" in capsys.readouterr().err


def test_the_cli_never_reads_a_huge_file_whole(tmp_path, capsys):
    path = tmp_path / "huge.wav"
    with open(path, "wb") as fh:
        fh.truncate(4 * 2**30)  # 4 GB, sparse: reading it whole would take 4 GB of memory
    tracemalloc.start()
    try:
        assert cli.main(["transcribe", str(path)]) == 2
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "larger than 50 MB" in capsys.readouterr().err
    assert peak < 3 * MAX_BYTES


# --- not a recording, or a damaged one ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("audio", "message"), [
    (b"", "The recording is empty"),
    (os.urandom(8192), "Could not read this audio"),
    (b"Dear diary, today I recorded nothing at all.\n" * 50, "Could not read this audio"),
    (bytes(2**20), "Could not read this audio"),
    (tone(2.0, "ogg")[:60], "Could not read this audio"),
    (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "Could not read this audio"),
    (b"\0" * (MAX_BYTES + 1), "larger than 50 MB"),
], ids=["empty", "random", "text", "zeros", "ogg-header-only", "png", "oversized"])
def test_what_is_not_a_recording_is_refused_quickly_and_not_echoed(audio, message):
    with pytest.raises(SpeechError, match=message) as info:
        decode(audio)
    assert "record" in str(info.value).lower() or "upload" in str(info.value).lower()
    assert len(str(info.value)) < 300 and "diary" not in str(info.value)


def test_a_webm_cut_in_half_is_refused_as_cut_off():
    whole = tone(5.0, "webm")  # PyAV writes the Duration in the header
    assert decode(whole)[1] == pytest.approx(5.0, abs=0.1)
    with pytest.raises(SpeechError, match=r"says it lasts 5\.0 s but holds only .* cut off"):
        decode(whole[: len(whole) // 2])


def test_a_header_claiming_a_hundred_hours_is_refused_at_once():
    claims = set_webm_duration(silent_opus(3.0, fmt="webm"), 100 * 3600)
    with pytest.raises(SpeechError, match=r"says it lasts 100 h 0 min but holds only 3\.0 s"):
        decode(claims)
    jump = silent_opus(3.0, fmt="webm", last_at_s=100 * 3600)  # the last packet stamped a hundred hours in
    with pytest.raises(SpeechError, match="100 h 0 min long"):
        decode(jump)


def test_far_too_many_packets_for_the_length_are_refused():
    """5,000 packets stamped a millisecond apart: 5 s of timeline, more pieces than any codec cuts even 10 s into."""
    with pytest.raises(SpeechError, match="far more pieces"):
        decode(silent_opus(100.0, fmt="webm", step_ms=1), max_seconds=10)


# --- what is accepted is decoded as before -------------------------------------------------------------------------------


@pytest.mark.parametrize("container", ["wav", "webm", "ogg", "mp3"])
def test_a_real_recording_decodes_to_16_khz_mono_float(container):
    samples, seconds = decode(tone(3.0, container))
    assert seconds == pytest.approx(3.0, abs=0.06)
    assert samples.dtype == "float32" and samples.ndim == 1 and len(samples) == round(seconds * SAMPLE_RATE)
    rms = float((samples[SAMPLE_RATE:2 * SAMPLE_RATE] ** 2).mean() ** 0.5)
    assert rms == pytest.approx(0.3 / 2**0.5, rel=0.1)  # the tone's level survives resampling (and lossy coding)


def test_stereo_48_khz_becomes_mono_16_khz():
    samples, seconds = decode(tone_wav(2.0, rate=48_000, channels=2))
    assert seconds == pytest.approx(2.0, abs=0.01) and samples.ndim == 1


def test_a_tenth_of_a_second_is_too_short():
    with pytest.raises(SpeechError, match="too short"):
        decode(tone(0.1))


@pytest.mark.parametrize(("seconds", "said"), [(4.25, "4.2 s"), (45, "45 s"), (600, "10 min"), (725, "12 min 5 s"), (7200, "2 h 0 min")])
def test_lengths_are_said_the_way_people_read_them(seconds, said):
    assert clock(seconds) == said
