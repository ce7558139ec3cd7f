"""Who may touch a session, and one request at a time: tokens, per-session locks, and the threads the work runs on.

The session service blocks (scoring, the LLM, the sandbox, fsync), so every call runs in a worker thread and the
event loop stays free for other sessions. Two limiters bound the threads: ``threads`` for turns and everything else,
``code_slots`` for code runs (up to 10 s each), so a queue of submissions can never starve the other sessions' turns.
A request that waits for a code slot longer than ``code_wait`` gets ``SandboxBusy`` (503, Retry-After).

A write (a message, an edit, code, finish) holds its session's lock from load to save, so two requests on one session
never interleave (they run in arrival order); other sessions run in parallel. Locks live only while a request holds or
awaits them. With ``lock_dir`` (several server processes sharing one data directory), each write also takes a file
lock there and reloads the session under it.

A session started over HTTP gets a token; only its SHA-256 is stored with the session. Every call checks it in
constant time, and a wrong or missing token is answered exactly as a missing session (404), so a session id alone
opens nothing and tells nothing. A session without a stored token (the Streamlit app's) is not reachable here at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import anyio
from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from fastapi import Request

from ..errors import SandboxBusy, StoreError
from ..models import InterviewOptions, SessionState
from ..service import InterviewService

log = logging.getLogger(__name__)

T = TypeVar("T")

THREADS = 40  # turns wait on the LLM (seconds) far more than on the CPU; 40 is anyio's default and a class's burst
CODE_SLOTS = 24  # the sandbox pool queues past its workers and says busy itself; this only keeps code off THREADS
CODE_WAIT = 20.0  # seconds a submission may wait for a code slot before the API says busy
RETRY_AFTER = 10.0  # seconds: about one submission's run


def new_token() -> tuple[str, str]:
    """Return a fresh session token and the digest stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    """The stored form of a token (SHA-256, hex): a leaked data directory holds no usable token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def opens(state: SessionState, token: str | None) -> bool:
    """True when ``token`` is this session's; constant time, and never for a session without a token."""
    match = hmac.compare_digest(digest(token or ""), state.token_hash or "0" * 64)
    return match and bool(state.token_hash)


def not_found(session_id: str) -> StoreError:
    """The one answer for a missing session, an unreadable one, and a wrong token alike."""
    return StoreError(f"No session {session_id[:64]!r}; start a new interview.")


class _PerLoop:
    """A capacity limiter per event loop (one belongs to the loop it first waited in; test clients run several)."""

    def __init__(self, name: str, tokens: int) -> None:
        self.tokens = tokens
        self._var: RunVar[CapacityLimiter] = RunVar(f"{name}-{id(self)}")

    def get(self) -> CapacityLimiter:
        try:
            return self._var.get()
        except LookupError:
            limiter = CapacityLimiter(self.tokens)
            self._var.set(limiter)
            return limiter


class _Held:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = anyio.Lock()
        self.users = 0


class Gate:
    """Runs the service's blocking work off the event loop, one write at a time per session, behind its token."""

    def __init__(self, service: InterviewService, *, threads: int = THREADS, code_slots: int = CODE_SLOTS,
                 code_wait: float = CODE_WAIT, lock_dir: Path | None = None) -> None:
        self.service = service
        self.code_wait = code_wait
        self.lock_dir = lock_dir
        self._threads = _PerLoop("threads", threads)
        self._code = _PerLoop("code-slots", code_slots)
        self._code_threads = _PerLoop("code-threads", code_slots)
        self._held: dict[str, _Held] = {}

    def start(self, options: InterviewOptions) -> tuple[SessionState, str]:
        """Start an interview and give it a token; return the session and the token (shown once, never stored)."""
        state = self.service.start(options)
        token, state.token_hash = new_token()
        self.service.store.save(state)
        return state, token

    async def call(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` in a worker thread."""
        return await to_thread.run_sync(fn, *args, limiter=self._threads.get())

    def open(self, session_id: str, token: str | None) -> SessionState:
        """Load a session if ``token`` opens it; else raise the same StoreError as for a missing one (blocking)."""
        try:
            state = self.service.resume(session_id)
        except StoreError as exc:
            if exc.__cause__ is not None and not isinstance(exc.__cause__, FileNotFoundError):  # there, but unreadable
                log.warning("Session %.64r could not be loaded: %s", session_id, exc)
            raise not_found(session_id) from None
        if not opens(state, token):
            raise not_found(session_id)
        return state

    async def read(self, session_id: str, token: str | None, work: Callable[[SessionState], T]) -> T:
        """Run ``work`` on the session as saved (no lock: saves replace the file whole)."""
        return await self.call(lambda: work(self.open(session_id, token)))

    async def write(self, session_id: str, token: str | None, work: Callable[[SessionState], T], *, code: bool = False) -> T:
        """Run ``work`` on the session under its lock, from load to save; ``code`` takes a code slot first."""
        await self.call(self.open, session_id, token)  # the token first: a stranger never holds the session's lock
        async with self._lock(session_id):
            if not code:
                return await self.call(self._locked, session_id, token, work)
            slots = self._code.get()
            with anyio.move_on_after(self.code_wait) as waited:
                await slots.acquire()
            if waited.cancelled_caught:
                raise SandboxBusy(f"Every code slot stayed busy for {self.code_wait:.0f} s.", retry_after=RETRY_AFTER)
            try:
                return await to_thread.run_sync(self._locked, session_id, token, work, limiter=self._code_threads.get())
            finally:
                slots.release()

    def _locked(self, session_id: str, token: str | None, work: Callable[[SessionState], T]) -> T:
        if self.lock_dir is None:
            return work(self.open(session_id, token))
        with _file_lock(self.lock_dir, session_id):
            return work(self.open(session_id, token))

    @contextlib.asynccontextmanager
    async def _lock(self, session_id: str) -> AsyncIterator[None]:
        held = self._held.get(session_id)
        if held is None:
            held = self._held[session_id] = _Held()
        held.users += 1
        try:
            async with held.lock:
                yield
        finally:
            held.users -= 1
            if held.users == 0:
                del self._held[session_id]

    @property
    def locks_held(self) -> int:
        """Sessions with a request holding or awaiting their lock now (the dict never grows past this)."""
        return len(self._held)


@contextlib.contextmanager
def _file_lock(directory: Path, session_id: str) -> Iterator[None]:
    """Hold an exclusive lock on the session's lock file (only reached for a session that exists and was opened)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{hashlib.sha256(session_id.encode()).hexdigest()[:32]}.lock"
    fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


async def gate_of(request: Request) -> Gate:
    """The app's gate (a FastAPI dependency; async, so FastAPI does not send it to a thread)."""
    return request.app.state.gate
