"""A memory cgroup per sandbox worker, where the host lets the server make one (as root): RAM bounded in total.

RLIMIT_AS bounds each process of a submission; the process limit bounds how many there are. A memory cgroup bounds
their sum, tmpfs pages included: every submission a worker forks is in the worker's cgroup, and when the group goes
over its limit the kernel's OOM killer ends the largest process in it (the submission, or at worst the worker, which
the pool then replaces). ``oom_kills`` tells a run that died that way from one killed for another reason.
cgroup v1 (``memory`` hierarchy) and v2 (a parent with ``memory`` in ``cgroup.subtree_control``) are both handled;
anywhere else this returns None and the per-process limits are all there is.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_memory_cgroup() -> tuple[Path, int] | None:
    """This process's memory cgroup folder and its version (1 or 2), or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        hid, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return ROOT / "memory" / path.lstrip("/"), 1
    for line in lines:
        hid, controllers, path = line.split(":", 2)
        if hid == "0" and not controllers:
            base = ROOT / path.lstrip("/")
            with contextlib.suppress(OSError):
                if "memory" in (base / "cgroup.subtree_control").read_text().split():
                    return base, 2
    return None


class MemoryCgroup:
    """One cgroup holding a worker and everything it forks, capped at ``limit`` bytes."""

    def __init__(self, path: Path, version: int) -> None:
        self.path, self.version = path, version

    @classmethod
    def create(cls, name: str, limit: int, pid: int) -> MemoryCgroup | None:
        """Make the cgroup ``name`` under our own, cap it and move ``pid`` in; None where the host does not allow it."""
        if os.geteuid() != 0:
            return None
        found = _own_memory_cgroup()
        if found is None:
            return None
        base, version = found
        group = cls(base / name, version)
        try:
            group.path.mkdir(exist_ok=True)
            if version == 1:
                (group.path / "memory.limit_in_bytes").write_text(str(limit))
                with contextlib.suppress(OSError):  # swap too, where swap accounting is on
                    (group.path / "memory.memsw.limit_in_bytes").write_text(str(limit))
            else:
                (group.path / "memory.max").write_text(str(limit))
                with contextlib.suppress(OSError):
                    (group.path / "memory.swap.max").write_text("0")
            (group.path / "cgroup.procs").write_text(str(pid))
        except OSError:
            group.remove()
            return None
        return group

    def add(self, pid: int) -> None:
        """Move another process into the group (its children from now on follow it)."""
        with contextlib.suppress(OSError):
            (self.path / "cgroup.procs").write_text(str(pid))

    def oom_kills(self) -> int:
        """How many processes the OOM killer has ended in this group so far."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            match = re.search(r"^oom_kill (\d+)$", (self.path / name).read_text(), re.M)
        except OSError:
            return 0
        return int(match.group(1)) if match else 0

    def remove(self) -> None:
        """Remove the group (once its processes are gone; a busy group is left for the next worker of its slot)."""
        with contextlib.suppress(OSError):
            self.path.rmdir()
