"""Delivery metrics of a spoken answer: rate, pauses, time to first word, fillers.

Timing comes from the audio's own speech spans when the transcriber measured them (Whisper's word
timings run into silences), else from word timestamps; the words come from the transcript.
"""

from __future__ import annotations

from ..models import DeliveryMetrics, Transcript
from ..text import filler_counts, word_count

LONG_PAUSE_S = 2.0  # a silence between words longer than this counts as a long pause
MIN_SPEAKING_S = 1.0  # under this, a rate would be noise: not measured


def delivery_metrics(transcript: Transcript, *, pause_threshold: float = LONG_PAUSE_S) -> DeliveryMetrics:
    """Measure how an answer was spoken; nothing is estimated (a rate needs at least a second of speech)."""
    words = transcript.words
    count = word_count(transcript.text)
    fillers = filler_counts(transcript.text)
    per100 = round(sum(fillers.values()) * 100 / count, 1) if count else 0.0
    if not words:
        return DeliveryMetrics(words=count, duration_s=transcript.duration, speaking_time_s=0.0, words_per_minute=None,
                               time_to_first_word_s=transcript.duration, long_pauses=0, longest_pause_s=0.0,
                               pause_threshold_s=pause_threshold, fillers_per_100_words=per100, filler_counts=fillers)
    if transcript.speech_spans:  # measured from the audio itself: Whisper stretches words into silences
        spans = transcript.speech_spans
        first, speaking = spans[0][0], spans[-1][1] - spans[0][0]
        gaps = [max(0.0, b[0] - a[1]) for a, b in zip(spans, spans[1:], strict=False)]
    else:  # no audio analysis (e.g. a transcript from elsewhere): word timings
        first, speaking = words[0].start, max(0.0, words[-1].end - words[0].start)
        gaps = [max(0.0, b.start - a.end) for a, b in zip(words, words[1:], strict=False)]
    long_gaps = [g for g in gaps if g > pause_threshold]
    wpm = round(count / speaking * 60, 1) if speaking >= MIN_SPEAKING_S else None
    return DeliveryMetrics(words=count, duration_s=transcript.duration, speaking_time_s=round(speaking, 2), words_per_minute=wpm,
                           time_to_first_word_s=round(first, 2), long_pauses=len(long_gaps),
                           longest_pause_s=round(max(gaps, default=0.0), 2), pause_threshold_s=pause_threshold,
                           fillers_per_100_words=per100, filler_counts=fillers)
