"""A scriptable fake Groq API: a real HTTP server on 127.0.0.1 speaking Groq's OpenAI-compatible protocol.

The real ``groq`` SDK and ``langchain_groq.ChatGroq(base_url=fake.base_url, ...)`` work against it, both
``.invoke()`` (JSON) and ``.stream()`` (SSE). Every request is recorded; replies are scripted per test::

    with FakeGroq() as fake:
        fake.script("hello", Step(status=429, retry_after="1"), Step(content="slow", latency=0.2))
        llm = ChatGroq(model="llama-3.3-70b-versatile", base_url=fake.base_url, api_key="gsk_test", max_retries=0, timeout=2)

Step modes and what surfaces in the client (groq 0.37.1, httpx 0.28.1, langchain-groq 1.1.3, max_retries=0):

- ``"ok"``: a normal reply; ``status != 200`` sends an OpenAI-style error body instead, which the SDK maps to
  ``RateLimitError`` (429), ``AuthenticationError`` (401), ``InternalServerError`` (>= 500) and so on, with
  ``exc.response.headers["retry-after"]`` set when ``Step.retry_after`` is.
- ``"hang"``: wait up to ``hang_seconds`` before replying. A client timeout raises ``groq.APITimeoutError``
  (stream and non-stream alike, since nothing has been sent yet). ``close()`` releases the handler at once and drops
  the connection without a reply.
- ``"malformed"``: non-stream sends 200 ``application/json`` that is not JSON, and the SDK lets
  ``json.JSONDecodeError`` escape unwrapped from ``invoke()``. Stream sends one valid chunk, then
  ``data: {not json``, then ends cleanly; iteration raises ``json.JSONDecodeError`` after the first chunk.
- ``"cut"``: stream sends about half the content pieces, then closes the socket without the terminating
  zero-length chunk; iteration raises ``httpx.RemoteProtocolError`` (incomplete chunked read), unwrapped, because the
  SDK only wraps errors raised while sending the request. Non-stream sends a Content-Length larger than the body and
  closes; the SDK reads the body inside its request and raises ``groq.APIConnectionError`` (caused by
  ``httpx.RemoteProtocolError``).
- ``"truncated"``: stream sends about half the pieces and ends the chunked body cleanly, with no finish_reason chunk
  and no ``[DONE]``; nothing raises, so only a missing finish_reason tells the caller. Non-stream replies with half
  the content and ``finish_reason "length"``.

Recorded headers have lower-case names, e.g. ``fake.chat_requests()[0].headers["authorization"]``.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHAT_PATH = "/openai/v1/chat/completions"
MODELS_PATH = "/openai/v1/models"
AUDIO_PATH = "/openai/v1/audio/transcriptions"
DEFAULT_MODELS = ["llama-3.3-70b-versatile", "llama-3.1-8b-instant", "whisper-large-v3"]
MODES = ("ok", "hang", "malformed", "cut", "truncated")

# status -> (message, type, code), shaped like Groq's own error bodies.
ERRORS = {
    400: ("Bad request", "invalid_request_error", "bad_request"),
    401: ("Invalid API Key", "invalid_request_error", "invalid_api_key"),
    403: ("Forbidden", "permission_denied", "permission_denied"),
    404: ("Not found", "invalid_request_error", "not_found"),
    413: ("Request too large", "invalid_request_error", "request_too_large"),
    429: ("Rate limit reached. Please try again later.", "rate_limit_exceeded", "rate_limit_exceeded"),
    500: ("Internal server error", "internal_server_error", "internal_server_error"),
    502: ("Bad gateway", "internal_server_error", "bad_gateway"),
    503: ("Service unavailable", "service_unavailable", "service_unavailable"),
}


@dataclass
class Step:
    """One scripted reply to a chat completion request."""

    content: str = ""
    status: int = 200
    retry_after: str | None = None
    latency: float | None = None
    mode: str = "ok"
    chunk_delay: float | None = None

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; expected one of {MODES}")


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict | None
    at: float

    @property
    def stream(self) -> bool:
        """Return whether the client asked for an SSE stream."""
        return isinstance(self.body, dict) and self.body.get("stream") is True

    @property
    def prompt_chars(self) -> int:
        """Return the total characters of all messages' content."""
        return sum(len(_text(m.get("content"))) for m in self._messages())

    def message(self, role: str) -> str:
        """Return the content of the last message with this role, or "" if none."""
        found = [m for m in self._messages() if m.get("role") == role]
        return _text(found[-1].get("content")) if found else ""

    def _messages(self) -> list[dict]:
        messages = (self.body or {}).get("messages") if isinstance(self.body, dict) else None
        return [m for m in messages or [] if isinstance(m, dict)]


def _text(content) -> str:
    """Flatten message content, which may be a string or a list of OpenAI content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _usage(prompt_chars: int, content: str) -> dict:
    """Build a Groq-shaped usage block with rough 4-characters-a-token counts."""
    prompt, completion = prompt_chars // 4, len(content) // 4
    return {
        "queue_time": 0.001,
        "prompt_tokens": prompt,
        "prompt_time": 0.002,
        "completion_tokens": completion,
        "completion_time": 0.01,
        "total_tokens": prompt + completion,
        "total_time": 0.012,
    }


class FakeGroq:
    """Serve Groq's chat completions and models endpoints from a script, recording every request."""

    def __init__(
        self,
        *,
        models: list[str] | None = None,
        latency: float = 0.0,
        chunk_delay: float = 0.0,
        chunk_size: int = 12,
        responder: Callable[[dict], str | Step] | None = None,
        hang_seconds: float = 30.0,
        port: int = 0,
    ):
        self.models = list(DEFAULT_MODELS if models is None else models)
        self.latency = latency
        self.chunk_delay = chunk_delay
        self.chunk_size = chunk_size
        self.responder = responder
        self.hang_seconds = hang_seconds
        # Reply to POST /openai/v1/audio/transcriptions: a verbose_json dict, or an int HTTP status to fail with.
        self.transcription: dict | int = {"text": "I fixed the bug.", "duration": 1.5, "words": [
            {"word": "I", "start": 0.2, "end": 0.3}, {"word": "fixed", "start": 0.3, "end": 0.6},
            {"word": "the", "start": 0.6, "end": 0.7}, {"word": "bug.", "start": 0.7, "end": 1.0}]}
        self.audio_uploads: list[bytes] = []  # raw multipart bodies of transcription requests
        self.requests: list[Recorded] = []
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._conns: set[socket.socket] = set()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval keeps close() fast; the loop wakes this often to check for shutdown.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-groq", daemon=True)
        self._thread.start()

    def chat_requests(self) -> list[Recorded]:
        """Return only the chat completion requests, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path == CHAT_PATH]

    def script(self, *steps: Step | str) -> None:
        """Queue replies, consumed in order; a bare str is a successful reply with that content."""
        with self._lock:
            self._steps.extend(Step(content=s) if isinstance(s, str) else s for s in steps)

    def pending(self) -> int:
        """Return how many scripted steps have not been consumed yet."""
        with self._lock:
            return len(self._steps)

    def close(self) -> None:
        """Shut down the server and release any hanging or streaming handler at once."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            conns = list(self._conns)
        # Idle keep-alive handlers block reading the next request; shutting their sockets lets them exit.
        for conn in conns:
            _shutdown(conn)
        self._thread.join(timeout=1)

    def __enter__(self) -> FakeGroq:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def _next_step(self, body: dict) -> Step:
        with self._lock:
            if self._steps:
                return self._steps.popleft()
        if self.responder is None:
            return Step(content="{}")
        reply = self.responder(body)
        return reply if isinstance(reply, Step) else Step(content=str(reply))

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._conns.add if add else self._conns.discard)(conn)


def _shutdown(conn: socket.socket) -> None:
    """Close both directions of a socket, ignoring one that is already gone."""
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGroq

    def handle_error(self, request, client_address):
        """Stay quiet about clients that hang up mid-reply; report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Abort(Exception):
    """Drop the connection without finishing the reply."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self):
        super().setup()
        # Send each SSE chunk at once: with Nagle's algorithm, small writes wait ~40 ms for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection, True)

    def finish(self):
        self.server.fake._track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format, *args):
        """Keep test output clean."""

    @property
    def fake(self) -> FakeGroq:
        return self.server.fake

    def do_GET(self):
        self._record(None)
        path = self.path.split("?")[0].rstrip("/")
        if path == MODELS_PATH:
            return self._json(200, {"object": "list", "data": [_model(m) for m in self.fake.models]})
        name = path.removeprefix(MODELS_PATH + "/")
        if path.startswith(MODELS_PATH + "/") and name in self.fake.models:
            return self._json(200, _model(name))
        self._error(404, f"Unknown path {self.path}")

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self._record(body if isinstance(body, dict) else None)
        if self.path.split("?")[0] == AUDIO_PATH:
            self.fake.audio_uploads.append(raw)
            reply = self.fake.transcription
            return self._error(reply) if isinstance(reply, int) else self._json(200, reply)
        if self.path.split("?")[0] != CHAT_PATH:
            return self._error(404, f"Unknown path {self.path}")
        if not isinstance(body, dict):
            return self._error(400, "Request body must be a JSON object")
        try:
            _Reply(self, body, self.fake._next_step(body)).send()
        except _Abort:
            self.close_connection = True
            _shutdown(self.connection)

    def _record(self, body: dict | None) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(Recorded(self.command, self.path, headers, body, time.perf_counter()))

    def _json(self, status: int, obj, retry_after: str | None = None) -> None:
        self._bytes(status, json.dumps(obj).encode(), retry_after=retry_after)

    def _bytes(self, status: int, data: bytes, *, retry_after: str | None = None, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) if length is None else length))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _error(self, status: int, message: str | None = None, retry_after: str | None = None) -> None:
        default, kind, code = ERRORS.get(status, ("Error", "api_error", f"http_{status}"))
        self._json(status, {"error": {"message": message or default, "type": kind, "code": code}}, retry_after)


def _model(name: str) -> dict:
    return {"id": name, "object": "model", "created": 1700000000, "owned_by": "Fake", "active": True, "context_window": 131072}


class _Reply:
    """Send one chat completion reply according to a Step."""

    def __init__(self, handler: _Handler, body: dict, step: Step):
        self.h, self.body, self.step, self.fake = handler, body, step, handler.fake
        self.model = body.get("model") or "unknown"
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.groq_id = f"req_{uuid.uuid4().hex[:26]}"
        self.created = int(time.time())
        self.prompt_chars = Recorded("POST", CHAT_PATH, {}, body, 0.0).prompt_chars

    def send(self) -> None:
        step = self.step
        self._wait(self.fake.latency if step.latency is None else step.latency)
        if step.mode == "hang":
            self._wait(self.fake.hang_seconds)
        if step.status != 200:
            return self.h._error(step.status, step.content or None, step.retry_after)
        if self.body.get("stream") is True:
            return self._stream()
        self._complete()

    def _wait(self, seconds: float) -> None:
        """Sleep, but abort at once if the server closes meanwhile."""
        if seconds and seconds > 0 and self.fake._closed.wait(seconds):
            raise _Abort
        if self.fake._closed.is_set():
            raise _Abort

    def _complete(self) -> None:
        mode, content = self.step.mode, self.step.content
        if mode == "malformed":
            return self.h._bytes(200, b'{"id": "chatcmpl-broken", "choices": [{not json', retry_after=self.step.retry_after)
        finish = "stop"
        if mode == "truncated":
            content, finish = content[: len(content) // 2], "length"
        data = json.dumps(self._completion(content, finish)).encode()
        if mode == "cut":
            self.h._bytes(200, data[: len(data) // 2], length=len(data), retry_after=self.step.retry_after)
            raise _Abort
        self.h._bytes(200, data, retry_after=self.step.retry_after)

    def _completion(self, content: str, finish: str) -> dict:
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "logprobs": None, "finish_reason": finish}],
            "usage": _usage(self.prompt_chars, content),
            "usage_breakdown": None,
            "system_fingerprint": "fp_fake",
            "x_groq": {"id": self.groq_id},
        }

    def _chunk(self, delta: dict, finish: str | None = None, x_groq: dict | None = None) -> dict:
        chunk = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if x_groq is not None:
            chunk["x_groq"] = x_groq
        return chunk

    def _stream(self) -> None:
        step, content = self.step, self.step.content
        size = max(1, int(self.fake.chunk_size))
        pieces = [content[i : i + size] for i in range(0, len(content), size)]
        delay = self.fake.chunk_delay if step.chunk_delay is None else step.chunk_delay
        self._stream_headers()
        self._event(self._chunk({"role": "assistant", "content": ""}, x_groq={"id": self.groq_id}))
        if step.mode == "malformed":
            self._write_chunk(b"data: {not json\n\n")
            return self._end_stream()
        if step.mode in ("cut", "truncated"):
            pieces = pieces[: max(1, len(pieces) // 2)] if pieces else []
        for piece in pieces:
            self._wait(delay)
            self._event(self._chunk({"content": piece}))
        if step.mode == "cut":
            raise _Abort
        if step.mode == "truncated":
            return self._write_chunk(b"")
        self._wait(delay)
        self._event(self._chunk({}, "stop", {"id": self.groq_id, "usage": _usage(self.prompt_chars, content)}))
        self._end_stream()

    def _stream_headers(self) -> None:
        h = self.h
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Transfer-Encoding", "chunked")
        if self.step.retry_after is not None:
            h.send_header("Retry-After", self.step.retry_after)
        h.end_headers()
        h.wfile.flush()

    def _event(self, obj: dict) -> None:
        self._write_chunk(f"data: {json.dumps(obj)}\n\n".encode())

    def _end_stream(self) -> None:
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _write_chunk(self, data: bytes) -> None:
        """Write one HTTP/1.1 chunk; an empty one ends the body."""
        self.h.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.h.wfile.flush()


def main(argv: list[str] | None = None) -> None:
    """Serve the fake on 127.0.0.1 until interrupted, answering every chat request with a valid scripted reply."""
    from .llm_script import auto_reply

    parser = argparse.ArgumentParser(prog="python -m interview.testing.fake_groq", description=main.__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--chunk-size", type=int, default=12, help="characters per streamed chunk")
    args = parser.parse_args(argv)
    with FakeGroq(responder=auto_reply, port=args.port, chunk_size=args.chunk_size) as fake:
        print(f"fake Groq on {fake.base_url} (set GROQ_API_BASE={fake.base_url})", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
