"""Files only this account may read: a private directory (0700) and atomic writes of private files (0600).

A write goes to a temp file beside the target (``mkstemp`` makes it 0600), is flushed to disk, then renamed over
the target: a crash leaves the old copy or the new one, never half of one, and on any failure (a full disk
half-way through, a rename refused) the temp file is removed, so failed writes never pile up.

    folder = private_directory(Path("~/.interview-practice-partner").expanduser())
    write_private(folder / "abc.json", data)
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

DIRECTORY_MODE = 0o700


def private_directory(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700, or tighten it to 0700 when others may enter it.

    Raises OSError when it cannot be created or tightened (for instance, another account owns it).
    """
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another thread or process: checked below
            folder.mkdir(mode=DIRECTORY_MODE)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, mode & DIRECTORY_MODE)
    return path


def write_private(path: Path, data: bytes, *, write: Callable[[int, bytes | memoryview], int] = os.write) -> None:
    """Write ``data`` to ``path`` atomically, with mode 0600; on failure raise OSError and leave no temp file behind.

    ``write`` is the system call that writes bytes to the descriptor (a test passes one that fails as a full disk does).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


__all__ = ["private_directory", "write_private"]
