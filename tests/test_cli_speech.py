"""``python -m interview transcribe``: the local model hears a recording; the CLI prints words, timing, fillers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from interview.testing.speech_samples import speak_wav, word_error_rate
from interview.text import filler_counts, word_count

pytestmark = pytest.mark.speech

ROOT = Path(__file__).resolve().parents[1]
SAID = "When my colleagues disagreed, I, um, asked each of them to write down the costs."


def transcribe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "interview", "transcribe", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_transcribe_prints_words_rate_fillers_and_pauses(tmp_path):
    wav = speak_wav(SAID, tmp_path / "answer.wav", wpm=150)
    out = transcribe(str(wav), "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["backend"] == "whisper"
    assert word_error_rate(SAID, result["text"]) <= 0.6, result["text"]  # heard, roughly: exact words vary by CPU
    assert result["words"] and all(w["end"] >= w["start"] for w in result["words"])
    delivery = result["delivery"]
    assert delivery["words"] == word_count(result["text"])
    assert delivery["filler_counts"] == filler_counts(result["text"])
    assert 100 < delivery["words_per_minute"] < 260
    text = transcribe(str(wav))
    assert text.returncode == 0 and "Speaking rate:" in text.stdout and "Pauses over 2 s:" in text.stdout and "Fillers:" in text.stdout


def test_transcribe_rejects_a_file_that_is_not_audio(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio at all")
    out = transcribe(str(bad))
    assert out.returncode == 2 and "Could not read this audio" in out.stderr
