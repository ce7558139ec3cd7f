"""Known-text speech for the speech-to-text tests: espeak-ng renders it, the stdlib edits it, PyAV re-encodes it.

Nothing here uses Whisper, so the ground truth (the words said, and the voiced span measured from the samples
themselves) is independent of the model under test.

    wav = speak_wav("I fixed the bug", tmp_path / "a.wav", wpm=160)
    joined = join_wavs([wav, wav2], gap_s=3.0, path=tmp_path / "b.wav")   # two phrases, 3 s of silence between
    padded = pad_wav(wav, lead_s=1.5, path=tmp_path / "c.wav")            # 1.5 s of silence before the speech
    webm = convert(wav_bytes(wav), "webm")                               # WebM/Opus bytes, as a browser records
    word_error_rate("I fixed the bug.", "i fixed a bug")                  # 0.25
"""

from __future__ import annotations

import array
import io
import re
import shutil
import subprocess
import wave
from pathlib import Path
from typing import Literal

ESPEAK = shutil.which("espeak-ng")

# --- known texts, shared by tests/test_stt.py and benchmarks/speech.py ---------------------------------------------
ANSWERS = [
    "I led a small team that rebuilt the billing service, and we shipped it early without any outages.",
    "When my colleagues disagreed about the design, I asked each of them to write down the costs and we chose together.",
    "My biggest mistake was skipping the code review, so now I always ask a colleague to check my changes first.",
    "I would start by reproducing the problem, then read the logs, and finally add a test that fails before the fix.",
    "The customer was upset about the delay, so I called her every morning until the issue was resolved.",
    "I enjoy working with people who give honest feedback because it helps me learn faster.",
]
FILLER_ANSWERS = [  # 9 "um"/"uh", 2 "you know", 1 "like,"
    "Um, I led a small team that, uh, rebuilt the billing service, and you know, we shipped it early.",
    "So, uh, when my colleagues disagreed, I, um, asked each of them to write down the costs.",
    "My biggest mistake was, like, skipping the review, and um, now I always ask a colleague first.",
    "Uh, I would start by, you know, reproducing the problem, and then, um, read the logs.",
    "The customer was, um, upset about the delay, so I, uh, called her every morning.",
]
HESITATIONS = ("um", "uh", "umm", "uhm", "erm", "er")  # any spelling Whisper picks for "um"/"uh"
RATE_TEXT = ("I would start by reproducing the problem, then read the logs, and finally add a test that fails "
             "before the fix, so the bug cannot quietly come back.")
RATE_WPMS = (120, 160, 220)
# (first sentence, second sentence, seconds of silence inserted between them)
PAUSE_CASES = [
    ("I would start by reproducing the problem and reading the logs.", "Then I would add a test that fails before the fix.", 3.0),
    ("My biggest mistake was skipping the code review.", "Now I always ask a colleague to check my changes first.", 2.8),
    ("When two engineers disagreed about the design, I asked them to write down the costs.", "Then we chose together.", 2.5),
]
# container -> (PyAV format name, audio codec, output sample rate)
CONTAINERS: dict[str, tuple[str, Literal["libopus", "libmp3lame"], int]] = {
    "webm": ("webm", "libopus", 48_000), "ogg": ("ogg", "libopus", 48_000), "mp3": ("mp3", "libmp3lame", 44_100)}


def speak_wav(text: str, path: Path | str, *, wpm: int = 160, voice: str = "en-us", gap_ms: int = 0) -> Path:
    """Render ``text`` with espeak-ng to a mono 16-bit WAV at ``path`` (``gap_ms``: extra pause between words)."""
    if ESPEAK is None:
        raise RuntimeError("espeak-ng is not installed: apt-get install espeak-ng (.ci/run does)")
    path = Path(path)
    cmd = [ESPEAK, "-v", voice, "-s", str(wpm), "-w", str(path)]
    if gap_ms:
        cmd += ["-g", str(max(1, round(gap_ms / 10)))]  # espeak-ng's -g is in units of 10 ms
    subprocess.run([*cmd, "--", text], check=True, capture_output=True, timeout=60)
    return path


def wav_bytes(source: Path | str | bytes) -> bytes:
    """Return the bytes of a WAV file (a path, or bytes passed through)."""
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def read_wav(source: Path | str | bytes) -> tuple[array.array, int]:
    """Return (16-bit samples, sample rate) of a mono 16-bit WAV."""
    with wave.open(io.BytesIO(wav_bytes(source))) as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError("expected mono 16-bit WAV")
        samples = array.array("h")
        samples.frombytes(w.readframes(w.getnframes()))
        return samples, w.getframerate()


def wav_seconds(source: Path | str | bytes) -> float:
    """Return the length of a WAV in seconds."""
    samples, rate = read_wav(source)
    return len(samples) / rate


def write_wav(samples: array.array, rate: int, path: Path | str | None = None) -> bytes:
    """Write mono 16-bit samples as WAV; return the bytes (and save them at ``path`` if given)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def silence(seconds: float, rate: int) -> array.array:
    """Return ``seconds`` of digital silence."""
    return array.array("h", bytes(2 * round(seconds * rate)))


def join_wavs(parts: list[Path | str | bytes], *, gap_s: float, path: Path | str | None = None) -> bytes:
    """Concatenate WAVs (same rate) with ``gap_s`` seconds of silence between consecutive parts."""
    out, rate = array.array("h"), None
    for i, part in enumerate(parts):
        samples, r = read_wav(part)
        if rate is not None and r != rate:
            raise ValueError("parts have different sample rates")
        rate = r
        if i:
            out.extend(silence(gap_s, rate))
        out.extend(samples)
    if rate is None:
        raise ValueError("join_wavs needs at least one part")
    return write_wav(out, rate, path)


def pad_wav(source: Path | str | bytes, *, lead_s: float = 0.0, tail_s: float = 0.0, path: Path | str | None = None) -> bytes:
    """Add silence before and after a WAV."""
    samples, rate = read_wav(source)
    return write_wav(silence(lead_s, rate) + samples + silence(tail_s, rate), rate, path)


def silent_wav(seconds: float, rate: int = 16_000, path: Path | str | None = None) -> bytes:
    """Return a WAV of ``seconds`` of silence."""
    return write_wav(silence(seconds, rate), rate, path)


def trim_wav(source: Path | str | bytes, seconds: float) -> bytes:
    """Return the first ``seconds`` of a WAV."""
    samples, rate = read_wav(source)
    return write_wav(samples[: round(seconds * rate)], rate)


def voiced_span(source: Path | str | bytes, *, frame_ms: float = 10.0, threshold_db: float = -40.0) -> tuple[float, float]:
    """Return (start, end) seconds of the first and last frame whose RMS is within ``threshold_db`` of the loudest frame."""
    samples, rate = read_wav(source)
    n = max(1, round(rate * frame_ms / 1000))
    rms = []
    for i in range(0, len(samples), n):
        frame = samples[i : i + n]
        rms.append((sum(s * s for s in frame) / len(frame)) ** 0.5 if len(frame) else 0.0)
    peak = max(rms, default=0.0)
    if peak <= 0:
        return 0.0, 0.0
    floor = peak * 10 ** (threshold_db / 20)
    voiced = [i for i, r in enumerate(rms) if r > floor]
    return voiced[0] * n / rate, min(len(samples), (voiced[-1] + 1) * n) / rate


def true_speech_seconds(source: Path | str | bytes, **kwargs) -> float:
    """Seconds from the first voiced frame to the last, measured from the samples (not from any transcriber)."""
    start, end = voiced_span(source, **kwargs)
    return end - start


def convert(source: Path | str | bytes, container: str, *, bitrate: int = 32_000) -> bytes:
    """Re-encode a WAV with PyAV into ``container`` ('webm' or 'ogg' with Opus, 'mp3'); return the bytes."""
    import av

    fmt, codec, rate = CONTAINERS[container]
    src = av.open(io.BytesIO(wav_bytes(source)), mode="r", format="wav")
    buf = io.BytesIO()
    dst = av.open(buf, mode="w", format=fmt)
    stream = dst.add_stream(codec, rate=rate, layout="mono")
    stream.bit_rate = bitrate
    resampler = av.AudioResampler(format=stream.codec_context.format or "s16", layout="mono", rate=rate)
    for frame in src.decode(audio=0):
        frame.pts = None
        for out in resampler.resample(frame):
            for packet in stream.encode(out):
                dst.mux(packet)
    for out in resampler.resample(None):
        for packet in stream.encode(out):
            dst.mux(packet)
    for packet in stream.encode(None):
        dst.mux(packet)
    dst.close()
    src.close()
    return buf.getvalue()


def can_encode(container: str) -> bool:
    """Return whether PyAV has the encoder for ``container``."""
    import av

    return CONTAINERS[container][1] in av.codecs_available


ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def spell(n: int) -> str:
    """Spell a number under 100 the way a transcript would ('35' -> 'thirty five'); larger numbers stay digits."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    return str(n)


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation; hyphens split words; numbers under 100 spelled out; '%' is 'percent'.

    So "30%" and "thirty percent" agree, and so do "thirty-five" and "35". The test texts avoid numbers anyway.
    """
    text = text.lower().replace("’", "'").replace("%", " percent")
    text = re.sub(r"\d+", lambda m: spell(int(m.group())), text)
    text = re.sub(r"[-/]", " ", text)
    return [w for w in (re.sub(r"[^a-z0-9']", "", t).strip("'") for t in text.split()) if w]


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over word lists (substitutions, deletions, insertions all cost 1)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def word_error_rate(ref: str, hyp: str) -> float:
    """Standard WER: word edits needed to turn the reference into the hypothesis, over the reference's word count."""
    r = normalise(ref)
    if not r:
        raise ValueError("the reference has no words")
    return edit_distance(r, normalise(hyp)) / len(r)


def corpus_wer(pairs: list[tuple[str, str]]) -> float:
    """WER over several (reference, hypothesis) pairs: total edits over total reference words."""
    return sum(edit_distance(normalise(r), normalise(h)) for r, h in pairs) / sum(len(normalise(r)) for r, _ in pairs)
