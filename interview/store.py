"""Where sessions are kept: a protocol, a JSON-file store that survives restarts, and a memory store.

Both stores read through the migrations (interview/migrations.py), so a session saved by older code opens, and both
refuse a lost update: ``save`` compares the session's ``version`` with the stored copy's under a lock (a thread lock
in memory, an ``flock`` per session in the data directory, so it holds across processes) and raises SessionConflict
when they differ; else it writes ``version + 1`` and only then sets the caller's ``state.version`` to it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from .errors import SessionConflict, StoreError
from .files import private_directory, write_private
from .migrations import load_session, stored_version
from .models import SessionState

_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
CONFLICT = "This interview was changed in another tab or window since it was loaded."


class SessionStore(Protocol):
    """Saves and loads whole sessions by id."""

    def save(self, state: SessionState) -> None:
        """Persist the session if ``state.version`` is the stored copy's (SessionConflict if not); count the save."""
        ...

    def load(self, session_id: str) -> SessionState:
        """Return the session with this id; raise StoreError if it is missing or unreadable."""
        ...


def check_version(state: SessionState, stored: int | None) -> None:
    """Refuse a save from a copy that is not the stored one's version (a new session, version 0, whose id is taken)."""
    if stored is not None and state.version != stored:
        raise SessionConflict(f"{CONFLICT} Reload it to see the latest turns, then carry on.")
    # stored None: nothing under this id (a new session, or one copied into a fresh store): nothing to lose


def _next_copy(state: SessionState) -> str:
    """The JSON to store: the session as it is, one save later."""
    return state.model_copy(update={"version": state.version + 1}).model_dump_json()


class MemoryStore:
    """Keeps sessions in a dict (tests, the CLI)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, int]] = {}  # id -> (JSON, version)
        self._lock = threading.Lock()

    def save(self, state: SessionState) -> None:
        """Keep a JSON copy so later changes to the object do not leak in."""
        with self._lock:
            stored = self._data.get(state.id)
            check_version(state, None if stored is None else stored[1])
            self._data[state.id] = (_next_copy(state), state.version + 1)
        state.version += 1

    def load(self, session_id: str) -> SessionState:
        """Return a fresh copy of the stored session."""
        if session_id not in self._data:
            raise StoreError(f"No session {session_id!r}; start a new interview.")
        return load_session(self._data[session_id][0], session_id)


class JsonFileStore:
    """One JSON file per session, written atomically (temp file, fsync, rename), in a directory only this account reads.

    The directory is made 0700 (tightened if it exists with more), each file 0600, the temp file too. ``write`` is the
    system call that writes the bytes; a test passes one that fails as a full disk does. Beside ``ID.json`` lies
    ``ID.lock`` while a save of that session holds it (``flock``), from reading the stored version to the rename.
    """

    def __init__(self, directory: Path, *, write: Callable[[int, bytes | memoryview], int] = os.write) -> None:
        self.directory = Path(directory)
        self._write = write

    def _path(self, session_id: str) -> Path:
        if not _ID.match(session_id):
            raise StoreError(f"Invalid session id {session_id!r}.")
        return self.directory / f"{session_id}.json"

    def save(self, state: SessionState) -> None:
        """Write the session so a crash leaves either the old or the new copy, never half of one."""
        path = self._path(state.id)
        try:
            private_directory(self.directory)
        except OSError as exc:
            raise StoreError(f"The data directory {self.directory} could not be made private to this account "
                             f"({exc.strerror}): set INTERVIEW_DATA_DIR to a folder of your own.") from exc
        data = _next_copy(state).encode("utf-8")
        try:
            with _flock(path.with_suffix(".lock")):
                check_version(state, self._stored_version(path))
                write_private(path, data, write=self._write)
        except OSError as exc:
            raise StoreError(f"Could not save the session to {self.directory}: {exc.strerror}. "
                             "Check the data directory is writable and the disk has room.") from exc
        state.version += 1

    def _stored_version(self, path: Path) -> int | None:
        try:
            return stored_version(path.read_bytes(), path.stem)
        except FileNotFoundError:
            return None

    def load(self, session_id: str) -> SessionState:
        """Read a session back, migrated to the current schema."""
        path = self._path(session_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise StoreError(f"No saved session {session_id!r}; start a new interview.") from exc
        except OSError as exc:
            raise StoreError(f"Saved session {session_id!r} could not be read ({exc.strerror}); "
                             "start a new interview.") from exc
        return load_session(data, session_id)

    def list_ids(self) -> list[str]:
        """Return saved session ids, newest first."""
        if not self.directory.is_dir():
            return []
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [p.stem for p in files]


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the lock file ``path``, and remove it after, so no lock file stays behind.

    Whoever removes the file still holds it; a waiter that then gets the lock of a removed file sees that the path no
    longer names what it locked, and starts again. A crash leaves the file, which the next save takes and removes.
    """
    while True:
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # left behind, it is only taken (and removed) by the next save
            os.unlink(path)
        os.close(fd)  # closing releases the lock
