"""Delivery metrics on hand-made transcripts, and the speech tests' yardsticks (no model, no audio)."""

from __future__ import annotations

import pytest

from interview.models import Transcript, Word
from interview.speech.delivery import delivery_metrics
from interview.testing.speech_samples import corpus_wer, word_error_rate
from interview.text import word_count

pytestmark = pytest.mark.unit


def test_word_error_rate_is_standard_levenshtein_over_normalised_words():
    assert word_error_rate("I fixed the bug.", "i fixed a bug") == 0.25  # one substitution in four words
    assert word_error_rate("I fixed the bug.", "I fixed the bug") == 0.0  # punctuation and case ignored
    assert word_error_rate("I fixed the bug.", "I fixed the nasty bug") == 0.25  # one insertion
    assert word_error_rate("I fixed the bug.", "I fixed") == 0.5  # two deletions
    assert word_error_rate("cut errors by 30%", "cut errors by thirty percent") == 0.0
    assert word_error_rate("a b", "c d e f") == 2.0  # insertions can take WER above 1
    assert corpus_wer([("a b c d", "a b c d"), ("a b", "x b")]) == pytest.approx(1 / 6)


# --- delivery_metrics on hand-made transcripts -----------------------------------------------------------------------


def _transcript(spans: list[tuple[str, float, float]], duration: float) -> Transcript:
    return Transcript(text=" ".join(w for w, _, _ in spans), words=[Word(text=w, start=s, end=e) for w, s, e in spans], duration=duration)


def _steady(n: int, start: float, step: float) -> list[tuple[str, float, float]]:
    return [(f"word{i}", round(start + i * step, 3), round(start + (i + 1) * step - 0.05, 3)) for i in range(n)]


def test_rate_is_over_speaking_time_not_recording_length():
    metrics = delivery_metrics(_transcript(_steady(10, 2.0, 0.5), duration=30.0))  # 10 words from 2.0 s to 6.95 s
    assert metrics.speaking_time_s == 4.95
    assert metrics.words_per_minute == round(10 / 4.95 * 60, 1)  # 121.2, not 10 / 30 s = 20
    assert metrics.time_to_first_word_s == 2.0
    assert metrics.duration_s == 30.0


def test_under_a_second_of_speech_has_no_rate():
    assert delivery_metrics(_transcript(_steady(3, 1.0, 0.3), duration=5.0)).words_per_minute is None  # 0.85 s
    assert delivery_metrics(_transcript(_steady(3, 1.0, 0.35), duration=5.0)).words_per_minute == 180.0  # exactly 1.0 s
    empty = delivery_metrics(Transcript(text="", duration=4.0))
    assert (empty.words_per_minute, empty.time_to_first_word_s, empty.long_pauses, empty.words) == (None, 4.0, 0, 0)


def test_pause_threshold_is_respected():
    spans = [("I", 0.0, 0.2), ("fixed", 0.2, 0.6), ("it", 2.6, 2.8), ("then", 2.8, 3.0), ("tested", 5.1, 5.5), ("it", 5.5, 5.7)]
    transcript = _transcript(spans, duration=6.0)  # gaps of exactly 2.0 s and 2.1 s
    default = delivery_metrics(transcript)
    assert (default.long_pauses, default.longest_pause_s, default.pause_threshold_s) == (1, 2.1, 2.0)
    strict = delivery_metrics(transcript, pause_threshold=1.0)
    assert (strict.long_pauses, strict.pause_threshold_s) == (2, 1.0)
    assert delivery_metrics(transcript, pause_threshold=3.0).long_pauses == 0


def test_fillers_per_hundred_words():
    text = "Um so I fixed the bug and uh you know it was like, a cache issue in the login service"  # 20 words
    words = [Word(text=w, start=i * 0.3, end=i * 0.3 + 0.25) for i, w in enumerate(text.split())]
    metrics = delivery_metrics(Transcript(text=text, words=words, duration=7.0))
    assert word_count(text) == 20  # "you know" is two words but one filler
    assert metrics.filler_counts == {"you know": 1, "um": 1, "uh": 1, "like": 1}
    assert metrics.fillers_per_100_words == 20.0
    clean = delivery_metrics(Transcript(text="I like Python", words=words[:3], duration=1.0))
    assert (clean.filler_counts, clean.fillers_per_100_words) == ({}, 0.0)
