"""Checks for hosting the app for other people: the files holding its secrets must be the server account's alone.

Called at start-up by ``app.py`` and ``python -m interview serve``, which log what it finds; the app's sidebar shows
it to a browser on the server's own machine (``setup_notes``). Only file modes are read (``os.stat``), never the
files' contents, so no message can carry a secret.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path


def default_secrets_files(cwd: Path | None = None, home: Path | None = None) -> list[Path]:
    """Return where Streamlit looks for secrets by default: ~/.streamlit/secrets.toml and ./.streamlit/secrets.toml."""
    return [(home or Path.home()) / ".streamlit" / "secrets.toml", (cwd or Path.cwd()) / ".streamlit" / "secrets.toml"]


def secrets_warnings(paths: Iterable[str | os.PathLike[str]] | None = None) -> list[str]:
    """Return one warning for each secrets file that other accounts can read or change (group or world bits set)."""
    warnings = []
    for path in map(Path, default_secrets_files() if paths is None else paths):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:  # missing (the usual case), or in a folder we cannot enter: nothing to warn about here
            continue
        can = [verb for verb, bits in (("read", 0o044), ("changed", 0o022)) if mode & bits]
        if can:
            warnings.append(f"{path} can be {' and '.join(can)} by other accounts on this machine (mode {mode:04o}), "
                            f"and it may hold API keys: run `chmod 600 {path}`.")
    return warnings


LOOPBACK = frozenset({"127.0.0.1", "::1"})
ELSEWHERE = ("Server set-up: a file holding this server's secrets can be read by other accounts on the server. "
             "Whoever runs it will find the file and the fix in the server's log.")


def setup_notes(warnings: Iterable[str], visitor_ip: object) -> list[str]:
    """Return what a page shows of the set-up warnings: everything on this machine, elsewhere only that there are some.

    ``visitor_ip`` is Streamlit's ``st.context.ip_address``: None (or a loopback address) for a browser on this
    machine, the operator's as a rule. Behind a reverse proxy on the same machine every visitor looks local; the
    notes then reach them too, and still hold no secret (paths and file modes only).
    """
    warnings = list(warnings)
    if not warnings:
        return []
    if visitor_ip is None or visitor_ip in LOOPBACK:
        return [f"Server set-up: {w}" for w in warnings]
    return [ELSEWHERE]


__all__ = ["default_secrets_files", "secrets_warnings", "setup_notes"]
