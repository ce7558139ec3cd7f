"""Where sessions are kept: a protocol, a JSON-file store that survives restarts, and a memory store."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from .errors import StoreError
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
    """One JSON file per session, written atomically (temp file, fsync, rename)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, session_id: str) -> Path:
        if not _ID.match(session_id):
            raise StoreError(f"Invalid session id {session_id!r}.")
        return self.directory / f"{session_id}.json"

    def save(self, state: SessionState) -> None:
        """Write the session so a crash leaves either the old or the new copy, never half of one."""
        path = self._path(state.id)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(state.model_dump_json())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StoreError(f"Could not save the session to {self.directory}: {exc.strerror}. Check the data directory is writable.") from exc

    def load(self, session_id: str) -> SessionState:
        """Read a session back."""
        path = self._path(session_id)
        try:
            return SessionState.model_validate_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise StoreError(f"No saved session {session_id!r}; start a new interview.") from exc
        except (OSError, ValidationError, json.JSONDecodeError) as exc:
            raise StoreError(f"Saved session {session_id!r} could not be read: {exc}") from exc

    def list_ids(self) -> list[str]:
        """Return saved session ids, newest first."""
        if not self.directory.is_dir():
            return []
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [p.stem for p in files]
