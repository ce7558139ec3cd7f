"""Stored sessions migrate on load: small named functions, each taking the raw JSON one schema version further.

A stored session is a JSON object whose ``schema_version`` says its shape (absent: 0, a session saved before
versions existed). ``load_session`` runs every migration from that version up to ``SCHEMA_VERSION`` on the raw
dict, and only then validates it, so ``SessionState`` stays ``extra="forbid"`` while its fields are renamed or
removed. ``MIGRATIONS[n]`` takes version n to n + 1.

Append-only: never edit a migration once released (saved sessions depend on it); add the next one, with a fixture
saved by the code before it (tests/fixtures/sessions). A migration is pure: it returns a new dict and never changes
the one it is given, so a failed load leaves nothing half-migrated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from .errors import StoreError
from .models import SCHEMA_VERSION, SessionState

Raw = dict[str, Any]
Migration = Callable[[Raw], Raw]


def v0_to_v1(raw: Raw) -> Raw:
    """Add ``schema_version`` and the save counter ``version`` (1: a stored session was saved at least once)."""
    return {**raw, "schema_version": 1, "version": raw.get("version", 1)}


MIGRATIONS: tuple[Migration, ...] = (v0_to_v1,)
assert len(MIGRATIONS) == SCHEMA_VERSION, "each schema version after 0 needs the migration that reaches it"


def renamed(raw: Raw, old: str, new: str) -> Raw:
    """Return a copy of ``raw`` with key ``old`` called ``new`` (a helper for migrations that rename a field)."""
    if old not in raw:
        return dict(raw)
    return {(new if key == old else key): value for key, value in raw.items()}


def schema_of(raw: Raw) -> int:
    """The schema version a stored session says it has (0 when it says none); ValueError when it is not a count."""
    version = raw.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValueError("schema_version: not a whole number")
    return version


def upgrade(raw: Raw, migrations: Sequence[Migration] = MIGRATIONS, *, name: str = "This session") -> Raw:
    """Run the migrations from the session's schema version to the newest; the input is never changed.

    Raises StoreError for a session saved by newer code (``name`` says which), ValueError for a bad schema_version.
    """
    version = schema_of(raw)
    if version > len(migrations):
        raise StoreError(f"{name} was saved by a newer version of Interview Practice Partner (schema {version}; this "
                         f"one reads up to {len(migrations)}): upgrade the app to open it.")
    for migrate in migrations[version:]:
        raw = migrate(raw)
    return raw


def parse(data: bytes | str) -> Raw:
    """The stored JSON as a dict; ValueError, saying where and never quoting the content, when it is not one."""
    try:
        raw = from_json(data)
    except ValueError as exc:  # pydantic-core's JSON errors say where, not what
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    return raw


def load_session(data: bytes | str, session_id: str) -> SessionState:
    """Parse, migrate and validate one stored session; StoreError, never quoting the content, when it cannot be."""
    try:
        return SessionState.model_validate(upgrade(parse(data), name=f"Saved session {session_id!r}"))
    except ValidationError as exc:
        reason = what_is_wrong(exc)
    except ValueError as exc:
        reason = str(exc)
    raise StoreError(f"Saved session {session_id!r} could not be read: {reason}; start a new interview.") from None


def stored_version(data: bytes | str, session_id: str) -> int:
    """The save counter of a stored copy, read without validating the rest (StoreError if it has none)."""
    try:
        version = upgrade(parse(data), name=f"Saved session {session_id!r}").get("version")
    except ValueError as exc:
        version, why = None, str(exc)
    else:
        why = "version: not a whole number"
    if not isinstance(version, int) or isinstance(version, bool):
        raise StoreError(f"Saved session {session_id!r} could not be read ({why}), so it was not replaced: "
                         "start a new interview.") from None
    return version


def what_is_wrong(exc: ValidationError) -> str:
    """Say where a saved session is wrong and how, never quoting its content."""
    first = exc.errors(include_input=False, include_url=False, include_context=False)[0]
    where = ".".join(map(str, first["loc"]))[:80]  # field names and indexes; cut, should a key itself be odd
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{first['msg']}{more}"


__all__ = ["MIGRATIONS", "Migration", "load_session", "parse", "renamed", "schema_of", "stored_version", "upgrade",
           "v0_to_v1"]
