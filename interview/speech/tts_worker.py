"""Text-to-speech worker process: one JSON request per line on stdin, one JSON answer per line on stdout.

Started by ``interview.speech.tts.Pyttsx3Speaker`` as ``python -I tts_worker.py`` with a minimal environment
(no secrets) in its own temp dir. It imports only the standard library and pyttsx3, so it needs neither the
repository on sys.path nor anything from the server's environment.

The worker imports pyttsx3 once but never initialises it itself: each request runs in a single-use forked child
that calls ``pyttsx3.init()``, speaks once and exits. Measured with pyttsx3 2.99 on espeak-ng 1.51: a reused
engine applies rate and voice to the wrong utterance (the same text and settings gave 8 different lengths over
300 requests) and now and then cancels its own output, leaving an empty WAV; a fresh engine per request gave
identical audio for identical requests over 1,000 requests, at ~23 ms each (fork + init + synthesis).

Requests (``op``): ``hello`` (answered on start), ``voices``, ``speak`` {text, voice, rate, path}, ``env`` (the
names of the environment variables the worker sees), and ``fault`` {kind: stall|garbage|exit, seconds}: a test
hook that makes the next ``speak`` hang, write a non-WAV file, or kill the worker.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

SYNTH_WAIT = 60.0  # seconds a child waits for espeak's end-of-utterance callback; the parent's timeout is shorter


def _voices() -> dict:
    import pyttsx3

    engine = pyttsx3.init()
    return {"voices": [{"id": v.id, "name": v.name, "languages": [str(x) for x in (v.languages or [])]}
                       for v in engine.getProperty("voices")]}


def _speak(text: str, voice: str | None, rate: int, path: str) -> dict:
    import pyttsx3

    engine = pyttsx3.init()
    finished = threading.Event()
    # The espeak driver writes the file, then notifies: the callback runs on espeak's thread after runAndWait returns.
    engine.connect("finished-utterance", lambda name, completed: finished.set())
    if voice:
        engine.setProperty("voice", voice)
    engine.setProperty("rate", rate)
    engine.save_to_file(text, path)
    engine.runAndWait()
    if not finished.wait(SYNTH_WAIT):
        raise RuntimeError(f"espeak did not finish within {SYNTH_WAIT:g} s")
    return {"path": path}


def _in_child(work) -> dict:
    """Run work() in a forked child and return its JSON result; a crash in the child cannot take the worker down."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            result = {"ok": True, **work()}
        except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent, then the child exits
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        data = json.dumps(result).encode()
        while data:
            data = data[os.write(write_end, data):]
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        return {"ok": False, "error": f"the synthesis process ended with status {os.waitstatus_to_exitcode(status)} and no answer"}
    return json.loads(b"".join(chunks))


def handle(request: dict, faults: dict) -> dict:
    """Answer one request."""
    op = request.get("op")
    if op == "voices":
        return _in_child(_voices)
    if op == "env":
        return {"ok": True, "env": sorted(os.environ)}
    if op == "fault":
        faults["next"] = request
        return {"ok": True}
    if op != "speak":
        return {"ok": False, "error": f"unknown request {op!r}"}
    fault = faults.pop("next", None) or {}
    if fault.get("kind") == "stall":
        time.sleep(float(fault.get("seconds", 3600)))
    if fault.get("kind") == "exit":
        os._exit(9)
    started = time.monotonic()
    if fault.get("kind") == "garbage":
        with open(request["path"], "wb") as f:
            f.write(b"RIFF-not-really-a-wave")
        answer = {"ok": True, "path": request["path"]}
    else:
        answer = _in_child(lambda: _speak(request["text"], request.get("voice"), int(request["rate"]), request["path"]))
    return {**answer, "started": started, "ended": time.monotonic()}


def main() -> int:
    """Serve requests until stdin closes (the speaker closed it, or the server process ended)."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # pyttsx3 prints "Audio saved to ..." on stdout: keep the answer channel clean
    try:
        import pyttsx3  # noqa: F401 - imported once here, initialised only in the forked children
        if sys.platform.startswith("linux"):
            import pyttsx3.drivers.espeak  # noqa: F401 - loads libespeak-ng now, so a missing library shows at start
    except Exception as exc:  # noqa: BLE001 - any import failure means "no engine here"
        out.write(json.dumps({"ok": False, "error": f"cannot load pyttsx3/espeak-ng: {type(exc).__name__}: {exc}"}) + "\n")
        return 3
    out.write(json.dumps({"ok": True, "pid": os.getpid()}) + "\n")
    faults: dict = {}
    for line in sys.stdin:
        try:
            answer = handle(json.loads(line), faults)
        except Exception as exc:  # noqa: BLE001 - a bad request gets an answer, not a dead worker
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
