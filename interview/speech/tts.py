"""Text-to-speech behind one small interface: ``Speaker.speak(text) -> WAV bytes``.

``Pyttsx3Speaker`` never runs pyttsx3 in the server process (two threads speaking at once crash the whole
process). It keeps one long-lived worker child (``python -I tts_worker.py``, started on first use, restarted if
it dies or hangs past ``timeout``), talks to it one JSON line at a time, and serializes every request with a
lock, so many Streamlit sessions can share one speaker. The worker forks a fresh single-use pyttsx3 engine per
request: a reused engine mixes up rate and voice between requests (see ``tts_worker``), while a fork costs a
few milliseconds and no Python start-up. The worker gets an environment built from scratch (PATH, HOME and
TMPDIR in its own temp dir, LANG): no API key can reach it. Every WAV is checked (readable PCM, > 0.05 s of
audio) and a failed attempt is retried ``retries`` times on a fresh worker if needed.

Results are cached on disk by sha256 of (text, voice, rate): a cached request reads one file and starts no
process. ``FakeSpeaker`` writes silence of a plausible length, for tests of the pages.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import io
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import SpeechError, SpeechUnavailable
from ..files import private_directory, write_private
from ..settings import DEFAULT_DATA_DIR

WORKER = Path(__file__).with_name("tts_worker.py")
MAX_CHARS = 2000
MIN_RATE, MAX_RATE = 80, 300
MIN_SECONDS = 0.05
UNAVAILABLE = "No speech engine here (install espeak-ng); questions are shown as text."


@dataclass(frozen=True)
class Voice:
    """One voice the engine offers."""

    id: str
    name: str
    languages: tuple[str, ...] = ()


class Speaker(Protocol):
    """A text-to-speech backend."""

    name: str

    def speak(self, text: str, *, voice: str | None = None, rate: int = 175) -> bytes:
        """Return the text spoken as WAV bytes."""

    def voices(self) -> list[Voice]:
        """Return the voices this engine offers."""

    def available(self) -> bool:
        """Return False when no speech engine exists here."""

    def close(self) -> None:
        """Release any process the speaker holds."""


def wav_info(data: bytes, *, min_seconds: float = MIN_SECONDS) -> tuple[int, int, float]:
    """Return (sample_rate, channels, seconds) of a PCM WAV; raise SpeechError if it is invalid or nearly empty."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            complete = len(w.readframes(frames)) == frames * channels * width
    except (wave.Error, EOFError, ValueError) as exc:
        raise SpeechError(f"The speech engine did not produce a valid PCM WAV ({exc}).") from exc
    if rate <= 0 or channels < 1 or not complete:
        raise SpeechError("The speech engine produced a truncated or malformed WAV.")
    seconds = frames / rate
    if seconds <= min_seconds:
        raise SpeechError(f"The speech engine produced only {seconds:.3f} s of audio.")
    return rate, channels, seconds


def _check_request(text: str, rate: int) -> str:
    """Return the text to speak, or raise SpeechError saying what is wrong with the request."""
    if not isinstance(text, str) or not text.strip():
        raise SpeechError("Nothing to speak: the text is empty.")
    if len(text) > MAX_CHARS:
        raise SpeechError(f"This message is too long to read aloud ({len(text):,} characters; the limit is {MAX_CHARS:,}); it stays as text.")
    if isinstance(rate, bool) or not isinstance(rate, int) or not MIN_RATE <= rate <= MAX_RATE:
        raise SpeechError(f"Speech rate must be a whole number of words per minute from {MIN_RATE} to {MAX_RATE}, not {rate!r}.")
    return text.strip()


class _Cache:
    """WAV files named by sha256 of the request, written atomically, the least recently used deleted beyond max_files."""

    def __init__(self, folder: Path, max_files: int) -> None:
        self.folder, self.max_files = folder, max_files

    def path(self, *key: object) -> Path:
        return self.folder / (hashlib.sha256(json.dumps(["pyttsx3-v1", *key]).encode()).hexdigest() + ".wav")

    def get(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
            wav_info(data)
        except OSError:
            return None
        except SpeechError:
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # mark as recently used
        return data

    def put(self, path: Path, data: bytes) -> None:
        """Store data; a cache that cannot be written only costs speed, so OSError is ignored."""
        try:
            private_directory(self.folder)
            write_private(path, data)  # on a full disk its temp file is removed, not left to pile up
            files = sorted(self.folder.glob("*.wav"), key=lambda p: p.stat().st_mtime)
            for old in files[:max(0, len(files) - self.max_files)]:
                old.unlink(missing_ok=True)
        except OSError:
            pass


class _Worker:
    """One worker process and its temp dir; every method is called under the speaker's lock."""

    def __init__(self, python: str, deadline: float) -> None:
        try:
            self.tmp = Path(tempfile.mkdtemp(prefix="tts-worker-"))
        except OSError as exc:  # e.g. /tmp full or read-only
            raise SpeechUnavailable(f"{UNAVAILABLE} (no temp folder for the speech worker: {exc.strerror})") from exc
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.tmp), "TMPDIR": str(self.tmp), "LANG": "C.UTF-8"}
        self.log = self.tmp / "worker.log"
        self._buf = b""
        try:
            with open(self.log, "wb") as log:
                self.proc = subprocess.Popen([python, "-I", str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                             env=env, cwd=self.tmp, start_new_session=True, bufsize=0)
        except OSError as exc:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise SpeechUnavailable(f"{UNAVAILABLE} (could not start {python}: {exc})") from exc
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are PIPE, so Popen opened them
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        # Runs once: on stop(), or when a dropped speaker is collected, or at exit if close() was never called.
        self._finalizer = weakref.finalize(self, _stop_process, self.proc, self.tmp)
        try:
            hello = self._read(deadline)
        except SpeechError as exc:
            self.stop()
            raise SpeechUnavailable(f"{UNAVAILABLE} ({exc})") from exc
        if not hello.get("ok"):
            self.stop()
            raise SpeechUnavailable(f"{UNAVAILABLE} ({hello.get('error')})")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def request(self, message: dict, deadline: float) -> dict:
        """Send one request and return its answer; raise SpeechError (after killing the worker) if it fails or hangs."""
        data = json.dumps(message).encode() + b"\n"
        try:
            while data:
                data = data[os.write(self.stdin.fileno(), data):]
        except OSError as exc:
            self.stop()
            raise SpeechError(f"The speech worker stopped ({exc}); it is restarted on the next request.") from exc
        answer = self._read(deadline)
        if not answer.get("ok"):
            raise SpeechError(f"The speech engine failed: {answer.get('error')}")
        return answer

    def _read(self, deadline: float) -> dict:
        fd = self.stdout.fileno()
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                self.stop()
                raise SpeechError("The speech worker did not answer in time and was stopped; it is restarted on the next request.")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                tail = self._log_tail()  # read before stop() removes the temp dir
                self.stop()
                raise SpeechError(f"The speech worker stopped unexpectedly: {tail or 'no message'}")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError as exc:
            self.stop()
            raise SpeechError(f"The speech worker sent a garbled answer ({exc}); it is restarted on the next request.") from exc

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace").strip()[-300:]
        return ""

    def stop(self) -> None:
        """Kill the worker and any synthesis child (one process group), and remove its temp dir."""
        self._finalizer()


def _stop_process(proc: subprocess.Popen, tmp: Path) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    shutil.rmtree(tmp, ignore_errors=True)


class Pyttsx3Speaker:
    """Speak through pyttsx3 (espeak-ng on Linux) in a worker child; safe to share between threads."""

    name = "pyttsx3"

    def __init__(self, cache_dir: Path | None = None, *, timeout: float = 20.0, retries: int = 1, python: str = sys.executable,
                 max_cache_files: int = 500) -> None:
        self.timeout, self.retries, self.python = timeout, retries, python
        self.cache_dir = Path(cache_dir) if cache_dir else DEFAULT_DATA_DIR / "tts-cache"
        self._cache = _Cache(self.cache_dir, max_cache_files)
        self._lock = threading.RLock()
        self._worker: _Worker | None = None
        self._voices: list[Voice] | None = None
        self._available: bool | None = None
        self._unavailable = UNAVAILABLE  # the message, with the reason once known
        self.synth_count = 0  # synthesis requests sent to the worker (a cache hit sends none)
        self.worker_starts = 0
        self.synth_spans: collections.deque[tuple[float, float]] = collections.deque(maxlen=100)  # worker's monotonic start/end

    @property
    def worker_pid(self) -> int | None:
        """Return the pid of the running worker, if any."""
        worker = self._worker
        return worker.proc.pid if worker and worker.alive else None

    def available(self) -> bool:
        """Return True when pyttsx3 can start in a child here; the answer is cached."""
        with self._lock:
            if self._available is None:
                try:
                    self._available = bool(self._load_voices())
                except SpeechError as exc:
                    self._available = False
                    self._unavailable = str(exc) if isinstance(exc, SpeechUnavailable) else f"{UNAVAILABLE} ({exc})"
            return self._available

    def voices(self) -> list[Voice]:
        """Return the engine's voices, English first; raise SpeechUnavailable when there is no engine."""
        with self._lock:
            if not self.available():
                raise SpeechUnavailable(self._unavailable)
            return list(self._voices or [])

    def speak(self, text: str, *, voice: str | None = None, rate: int = 175) -> bytes:
        """Return text spoken as WAV bytes, from the cache when this exact request was spoken before."""
        text = _check_request(text, rate)
        path = self._cache.path(text, voice, rate)
        if (data := self._cache.get(path)) is not None:
            return data
        with self._lock:
            if (data := self._cache.get(path)) is not None:  # another thread spoke it while we waited
                return data
            if not self.available():
                raise SpeechUnavailable(self._unavailable)
            if voice is not None and voice not in {v.id for v in self.voices()}:
                raise SpeechError(f"Unknown voice {voice!r}: pick one of the ids from voices(), e.g. 'gmw/en-us'.")
            data = self._synthesize(text, voice, rate)
            self._cache.put(path, data)
            return data

    def close(self) -> None:
        """Stop the worker; the next request starts a new one."""
        with self._lock:
            if self._worker:
                self._worker.stop()
                self._worker = None

    def _request(self, message: dict) -> dict:
        """Send one request to the worker (started or restarted as needed) within the timeout."""
        with self._lock:
            deadline = time.monotonic() + self.timeout
            return self._running_worker(deadline).request(message, deadline)

    def _running_worker(self, deadline: float) -> _Worker:
        """Return the worker, starting a new one if there is none or it died."""
        if self._worker is None or not self._worker.alive:
            if self._worker:
                self._worker.stop()
            self._worker = None  # stays None if the new worker cannot start
            self._worker = _Worker(self.python, deadline)
            self.worker_starts += 1
        return self._worker

    def _load_voices(self) -> list[Voice]:
        if self._voices is None:
            found = [Voice(v["id"], v["name"], tuple(v["languages"])) for v in self._request({"op": "voices"})["voices"]]
            self._voices = sorted(found, key=lambda v: (not any(lang.startswith("en") for lang in v.languages), v.id))
        return self._voices

    def _synthesize(self, text: str, voice: str | None, rate: int) -> bytes:
        """Speak once in the worker, retrying a failed or invalid attempt `retries` times."""
        problem: SpeechError | None = None
        for _ in range(1 + max(0, self.retries)):
            self.synth_count += 1
            deadline = time.monotonic() + self.timeout
            try:
                worker = self._running_worker(deadline)
                out = worker.tmp / f"out-{self.synth_count}.wav"
                try:
                    answer = worker.request({"op": "speak", "text": text, "voice": voice, "rate": rate, "path": str(out)}, deadline)
                    data = out.read_bytes()  # the path we chose, never one the child names
                finally:
                    out.unlink(missing_ok=True)  # a failed attempt's file too: the worker may live for days
                wav_info(data)
            except SpeechUnavailable:
                raise
            except (SpeechError, OSError) as exc:
                problem = exc if isinstance(exc, SpeechError) else SpeechError(f"The speech engine wrote no file ({exc}).")
                continue
            self.synth_spans.append((answer["started"], answer["ended"]))
            return data
        raise SpeechError(f"Could not speak the text: {problem} Questions are still shown as text.") from problem


class FakeSpeaker:
    """Return silence as long as the text would take to say; records what it was asked to speak."""

    name = "fake"

    def __init__(self) -> None:
        self.spoken: list[tuple[str, str | None, int]] = []

    def speak(self, text: str, *, voice: str | None = None, rate: int = 175) -> bytes:
        text = _check_request(text, rate)
        if voice is not None and voice not in {v.id for v in self.voices()}:
            raise SpeechError(f"Unknown voice {voice!r}: pick one of the ids from voices(), e.g. 'fake/en'.")
        self.spoken.append((text, voice, rate))
        frames = int(16000 * (0.3 + 60 * len(text.split()) / rate))
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(b"\0\0" * frames)
        return buf.getvalue()

    def voices(self) -> list[Voice]:
        return [Voice("fake/en", "Fake English", ("en",))]

    def available(self) -> bool:
        return True

    def close(self) -> None:
        pass


SPEAKERS = ("fake", "pyttsx3")


def get_speaker(name: str = "pyttsx3", *, cache_dir: Path | None = None) -> Speaker:
    """Return the text-to-speech backend called name; entry points pass cache_dir=Settings.data_dir / "tts-cache"."""
    if name == "pyttsx3":
        return Pyttsx3Speaker(cache_dir)
    if name == "fake":
        return FakeSpeaker()
    raise SpeechUnavailable(f"Unknown speech engine {name!r}: choose one of {', '.join(SPEAKERS)}. Questions are shown as text.")


__all__ = ["FakeSpeaker", "Pyttsx3Speaker", "Speaker", "Voice", "get_speaker", "wav_info", "UNAVAILABLE", "MAX_CHARS"]
