"""Where sessions are kept: a protocol, a JSON-file store that survives restarts, and a memory store."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from .errors import StoreError
from .files import private_directory, write_private
from .models import SessionState

_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class SessionStore(Protocol):
    """Saves and loads whole sessions by id."""

    def save(self, state: SessionState) -> None:
        """Persist the session, replacing any earlier copy."""
        ...

    def load(self, session_id: str) -> SessionState:
        """Return the session with this id; raise StoreError if it is missing or unreadable."""
        ...


class MemoryStore:
    """Keeps sessions in a dict (tests, the CLI)."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def save(self, state: SessionState) -> None:
        """Keep a JSON copy so later changes to the object do not leak in."""
        self._data[state.id] = state.model_dump_json()

    def load(self, session_id: str) -> SessionState:
        """Return a fresh copy of the stored session."""
        if session_id not in self._data:
            raise StoreError(f"No session {session_id!r}; start a new interview.")
        return SessionState.model_validate_json(self._data[session_id])


class JsonFileStore:
    """One JSON file per session, written atomically (temp file, fsync, rename), in a directory only this account reads.

    The directory is made 0700 (tightened if it exists with more), each file 0600, the temp file too. ``write`` is the
    system call that writes the bytes; a test passes one that fails as a full disk does.
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
            raise StoreError(f"The data directory {self.directory} could not be made private to this account ({exc.strerror}): "
                             "set INTERVIEW_DATA_DIR to a folder of your own.") from exc
        try:
            write_private(path, state.model_dump_json().encode("utf-8"), write=self._write)
        except OSError as exc:
            raise StoreError(f"Could not save the session to {self.directory}: {exc.strerror}. "
                             "Check the data directory is writable and the disk has room.") from exc

    def load(self, session_id: str) -> SessionState:
        """Read a session back."""
        path = self._path(session_id)
        try:
            return SessionState.model_validate_json(path.read_bytes())
        except FileNotFoundError as exc:
            raise StoreError(f"No saved session {session_id!r}; start a new interview.") from exc
        except OSError as exc:
            raise StoreError(f"Saved session {session_id!r} could not be read ({exc.strerror}); start a new interview.") from exc
        except ValidationError as exc:  # its message quotes the file's content: only where and what is said
            raise StoreError(f"Saved session {session_id!r} could not be read: {_what_is_wrong(exc)}; start a new interview.") from None

    def list_ids(self) -> list[str]:
        """Return saved session ids, newest first."""
        if not self.directory.is_dir():
            return []
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [p.stem for p in files]


def _what_is_wrong(exc: ValidationError) -> str:
    """Say where a saved file is wrong and how, never quoting its content."""
    first = exc.errors(include_input=False, include_url=False, include_context=False)[0]
    where = ".".join(map(str, first["loc"]))[:80]  # field names and indexes; cut, should a key itself be odd
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{first['msg']}{more}"
