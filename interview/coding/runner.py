"""Run untrusted Python code outside the server process, with limits, and judge it: ``run_untrusted``.

What it does. Each submission runs in its own process, forked from a warm worker (``_worker.py``, started as
``python -I`` with an environment built from scratch, never the server's ``os.environ``). The worker, once at start-up,
enters new network, mount and IPC namespaces (inside a new user namespace when the server is not root), pivots into a
new root made of read-only binds of the system directories, the standard library and node (the host's data directory,
app, /root, /home, /proc and /run are not there) and reports what held. Fail closed: before a worker runs anything, a
probe program tries what a hostile one would (read and write a world-readable host folder, read the app's code and the
server's /proc entry, signal the server and the worker, connect to a port the server listens on, write in the system
folders, send UDP out); a worker whose probe saw any of it succeed refuses every run
with ``SandboxUnsafe`` unless the pool was built with ``allow_unsafe`` (the operator's INTERVIEW_SANDBOX_UNSAFE).

Per submission: a fresh size-limited tmpfs on /tmp (its only writable place, so disk and RAM are bounded in total), the
worker's own PID namespace (the worker is its PID 1 and kills whatever a submission leaves there), a new session, RLIMIT_CPU, RLIMIT_AS (memory), RLIMIT_NPROC,
RLIMIT_FSIZE, RLIMIT_NOFILE and no core dumps, an unprivileged uid of the worker slot (64000 and up, as root) or no
capabilities (user namespace), no_new_privs and a Landlock domain where the kernel has one. Output is captured up to a
cap; a wall-clock timeout kills the namespace. A pass needs a positive signal: the harness writes ``PASS <nonce>`` on a
dedicated fd only after the whole program (tests included) ran; the nonce is made after the fork and read from a pipe,
so ``sys.exit(0)``, ``os._exit(0)``, a signal or a killed harness is never a pass. The harness's results (returned
values only) travel on another fd, ``DATA_FD``. A run waits at most ``SandboxPool.wait`` seconds for a free worker
and at most ``queue_limit`` runs wait at once (``SandboxBusy`` past either).

What it does not protect against. There is no seccomp filter: the child can make any system call the kernel allows an
unprivileged user, and the kernel is shared (a kernel bug is an escape). The verdict is not proof against a program
written to fool its tests from inside the interpreter (objects whose ``__eq__`` is always true); it stops accidents and
early exits, not a determined cheat.

JavaScript (``language="javascript"``) runs in the same worker, fork, uid switch, limits, namespaces and timeout: the
child execs ``node`` (absolute path found with ``shutil.which`` in the server) on a small driver that reads the nonce
from a dedicated fd into a closure at start, compiles the submission (SyntaxError: verdict error), runs it in the global
context (a throw: failed) and only then writes ``PASS <nonce>``; ``process.exit`` before that is never a pass. V8
reserves much more address space than it uses, so for node RLIMIT_AS is replaced by RLIMIT_DATA plus
``--max-old-space-size`` (heap exhaustion: verdict memory).
"""

from __future__ import annotations

import atexit
import fcntl
import gzip
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Empty, Queue

from ..errors import SandboxBusy, SandboxError, SandboxUnsafe
from ..models import LANGUAGE_NAMES, Verdict
from . import probe
from .cgroup import MemoryCgroup
from .probe import UNSAFE_SETTING

WORKER = Path(__file__).with_name("_worker.py")
STATUSES = ("passed", "failed", "timeout", "memory", "crashed", "error")
LANGUAGES = tuple(LANGUAGE_NAMES)
UID_BASE, UID_COUNT = 64000, 1000
CGROUP_LIMIT = 1 << 30  # all processes of a worker and its submission together (each process: Limits.memory_mb)


@dataclass(frozen=True)
class Limits:
    """Limits for one submission."""

    timeout: float = 5.0  # wall-clock seconds; CPU seconds are capped a little above it
    memory_mb: int = 512  # address space (RLIMIT_AS)
    max_processes: int = 64  # RLIMIT_NPROC for the sandbox uid (threads count too)
    max_file_mb: int = 16  # largest file it may write (RLIMIT_FSIZE)
    max_open_files: int = 64  # RLIMIT_NOFILE
    max_output_bytes: int = 64_000  # kept of stdout and of stderr each; the rest is read and dropped
    disk_mb: int = 64  # the submission's whole writable space (its private tmpfs /tmp), files and inodes included
    max_data_bytes: int = 8 << 20  # the harness's results channel (returned values), kept up to this


@dataclass(frozen=True)
class RunResult:
    """The verdict on one run: status is one of passed, failed, timeout, memory, crashed, error."""

    status: Verdict
    message: str = ""
    stdout: str = ""
    stderr: str = ""
    duration_ms: float = 0.0
    output_truncated: bool = False
    data: str = ""  # what the program wrote on its results fd (the test harness's returned values)
    data_truncated: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def humaneval_program(record: dict, completion: str | None = None) -> str:
    """The program for a HumanEval-format record: prompt + completion + test + ``check(entry_point)``."""
    body = record["completion"] if completion is None else completion
    return record["prompt"] + body + "\n" + record["test"] + "\n" + f"check({record['entry_point']})\n"


def read_jsonl(path: str | Path) -> list[dict]:
    """Read a .jsonl or .jsonl.gz file of records."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as exc:
        raise SandboxError(f"Could not read {path}: {exc}. Give a JSON-lines file (.jsonl or .jsonl.gz).") from exc


def _worker_env() -> dict[str, str]:
    """The worker's whole environment: nothing of the server's."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "random"}
    node = node_path()
    if node:
        env["SANDBOX_NODE"] = node  # so the worker keeps it reachable when it hides /root
    return env


def node_path() -> str | None:
    """The absolute path of ``node`` as the server finds it, or None."""
    found = shutil.which("node")
    return os.path.realpath(found) if found else None


class _Worker:
    def __init__(self, slot_uid: int | None, lock_fd: int | None) -> None:
        self.uid, self.lock_fd = slot_uid, lock_fd
        args = [sys.executable, "-I", str(WORKER)] + ([str(slot_uid), str(slot_uid)] if slot_uid is not None else [])
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         env=_worker_env(), cwd="/", start_new_session=True, close_fds=True)
        except OSError as exc:
            raise SandboxError(f"Could not start the sandbox worker: {exc}.") from exc
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are PIPE, so Popen opened them
        # RAM in total: the worker and every submission it forks share one memory cgroup (as root, where the host has one)
        self.cgroup = MemoryCgroup.create(f"interview-sandbox-{slot_uid}", CGROUP_LIMIT, self.proc.pid) if slot_uid is not None else None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self._buf = bytearray()
        hello = self.read_line(30.0)
        if not hello or not hello.get("ready"):
            self.kill()
            if self.cgroup is not None:
                self.cgroup.remove()
            raise SandboxError("The sandbox worker did not start; check that Python can run _worker.py.")
        self.net = bool(hello["net"]) or hello.get("mode") == "landlock"  # landlock mode: seccomp refuses every socket
        self.root = bool(hello.get("root"))  # its own read-only root: the host's files are not there
        self.userns = bool(hello.get("userns"))
        self.landlock = int(hello.get("landlock") or 0)
        self.setup_error = str(hello.get("root_error") or "")
        self.mode = str(hello.get("mode") or "none")  # namespaces, landlock (no namespaces: Landlock + seccomp), none
        if self.mode == "namespaces" and not hello.get("pidns"):
            self.mode, self.setup_error = "none", self.setup_error or "no PID namespace could be made"
        if self.cgroup is not None and hello.get("server_pid") not in (None, self.proc.pid):
            self.cgroup.add(int(hello["server_pid"]))  # the worker's server process, however fast it was forked
        self.user_switch = slot_uid is not None
        self.proof: dict = {}

    def read_line(self, timeout: float) -> dict | None:
        """The next JSON line from the worker, or None on timeout or EOF."""
        fd = self.stdout.fileno()
        deadline = _now() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buf:
                left = deadline - _now()
                if left <= 0 or not sel.select(left):
                    return None
                data = os.read(fd, 1 << 16)
                if not data:
                    return None
                self._buf += data
        line, _, rest = self._buf.partition(b"\n")
        self._buf = bytearray(rest)
        return json.loads(line)

    def run(self, program: str, limits: Limits, language: str = "python") -> RunResult:
        req = {"program": program, "language": language, "node": node_path() if language == "javascript" else None,
               "timeout": limits.timeout, "memory": limits.memory_mb << 20, "nproc": limits.max_processes,
               "fsize": limits.max_file_mb << 20, "nofile": limits.max_open_files, "max_output": limits.max_output_bytes,
               "disk_mb": limits.disk_mb, "max_data": limits.max_data_bytes}
        kills = self.cgroup.oom_kills() if self.cgroup is not None else 0
        try:
            self.stdin.write((json.dumps(req) + "\n").encode())
            self.stdin.flush()
        except OSError as exc:
            raise _WorkerLost(f"the sandbox worker is gone ({exc})") from exc
        started = self.read_line(10.0)
        if not started or "pid" not in started:
            raise _WorkerLost("the sandbox worker did not start the submission")
        reply = self.read_line(limits.timeout + 5.0)  # the worker kills at timeout; this is the backstop
        if reply is None:
            if self.mode != "namespaces":  # in namespace mode the pid is the sandbox's own; replacing the worker ends it all
                _killpg(started["pid"])
            raise _WorkerLost("the sandbox worker did not answer in time", timeout=True)
        if reply["status"] in ("crashed", "timeout", "failed") and self.cgroup is not None and self.cgroup.oom_kills() > kills:
            reply = {**reply, "status": "memory", "message": "the program's processes together went over the memory limit"}
        return RunResult(status=reply["status"], message=reply["message"], stdout=reply["stdout"], stderr=reply["stderr"],
                         duration_ms=reply["duration_ms"], output_truncated=reply["truncated"], data=reply.get("data", ""),
                         data_truncated=bool(reply.get("data_truncated")))

    def kill(self) -> None:
        _killpg(self.proc.pid)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        try:
            self.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        if self.cgroup is not None:
            self.cgroup.remove()
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None


class _WorkerLost(Exception):
    def __init__(self, message: str, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout


def _now() -> float:
    import time

    return time.monotonic()


def _killpg(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _lock_slot_uid() -> tuple[int, int]:
    """Reserve an unprivileged uid for one worker slot on this host (held by an flock until the worker closes)."""
    folder = Path(tempfile.gettempdir()) / "interview-sandbox-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    for uid in range(UID_BASE, UID_BASE + UID_COUNT):
        fd = os.open(folder / f"{uid}.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, fd
        except OSError:
            os.close(fd)
    raise SandboxError(f"All {UID_COUNT} sandbox uids from {UID_BASE} are in use; close other sandbox pools.")


class SandboxPool:
    """``jobs`` warm workers (default: one per core); ``run`` takes a free one, ``run_many`` uses them all.

    Fail closed: each worker is proven at start-up by a probe; ``run`` refuses with ``SandboxUnsafe`` on a worker that
    failed it, unless ``allow_unsafe``. A run waits at most ``wait`` seconds for a free worker, and at most
    ``queue_limit`` runs wait at once; past either it raises ``SandboxBusy`` (nothing ran).
    """

    def __init__(self, jobs: int | None = None, *, allow_unsafe: bool = False, wait: float = 20.0,
                 queue_limit: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.allow_unsafe = allow_unsafe
        self.wait = wait
        self.queue_limit = queue_limit if queue_limit is not None else 8 * self.jobs
        self._idle: Queue[_Worker] = Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = 0
        self._waiting = 0
        self._running = 0
        self._closed = False

    def _spawn(self) -> _Worker:
        uid, fd = _lock_slot_uid() if os.geteuid() == 0 else (None, None)
        try:
            worker = _Worker(uid, fd)
        except BaseException:
            if fd is not None:
                os.close(fd)
            raise
        try:
            worker.proof = probe.prove(worker)
        except BaseException:
            worker.close()
            raise
        with self._lock:
            self._all.append(worker)
        return worker

    def start(self) -> SandboxPool:
        """Start every worker now (otherwise they start on first use)."""
        with ThreadPoolExecutor(self.jobs) as ex:
            workers = list(ex.map(lambda _: self._take(), range(self.jobs)))
        for w in workers:
            self._idle.put(w)
        return self

    def _take(self, wait: float | None = None) -> _Worker:
        with self._lock:
            if self._closed:
                raise SandboxError("The sandbox pool is closed.")
            spawn = self._idle.empty() and self._started < self.jobs
            if spawn:
                self._started += 1
            elif self._idle.empty() and self._waiting >= self.queue_limit:
                raise SandboxBusy(f"{self._waiting} submissions are already waiting for the {self.jobs} code runners; "
                                  "try again in a few seconds.", retry_after=self._retry_after())
            self._waiting += 0 if spawn else 1
        if spawn:
            try:
                return self._spawn()
            except BaseException:
                with self._lock:
                    self._started -= 1
                raise
        try:
            return self._idle.get(timeout=wait)
        except Empty:
            raise SandboxBusy(f"Every code runner stayed busy for {wait:.0f} s; try again in a few seconds.",
                              retry_after=self._retry_after()) from None
        finally:
            with self._lock:
                self._waiting -= 1

    def _retry_after(self) -> float:
        return float(min(30, 5 * (1 + self._waiting // self.jobs)))

    def load(self) -> dict:
        """How busy the pool is now: runs in progress, runs waiting for a worker, workers."""
        with self._lock:
            return {"running": self._running, "waiting": self._waiting, "jobs": self.jobs}

    def info(self) -> dict:
        """What isolation the workers got, and whether the start-up probe proved it (never waits for a busy worker)."""
        with self._lock:
            w = self._all[0] if self._all else None
        if w is None:  # none started yet: start one (and keep it)
            self._idle.put(w := self._take())
        return {"network_isolated": w.net, "private_tmp": w.root, "user_switch": w.user_switch, "mode": w.mode,
                "own_root": w.root, "user_namespace": w.userns, "landlock_abi": w.landlock, "memory_cgroup": w.cgroup is not None,
                "proven": bool(w.proof.get("proven")), "reason": w.proof.get("reason", ""),
                "checks": w.proof.get("checks", {}), "setup_error": w.setup_error}

    def run(self, program: str, limits: Limits | None = None, language: str = "python") -> RunResult:
        limits = limits or Limits()
        _check_language(language)
        w = self._take(self.wait)
        if not w.proof.get("proven") and not self.allow_unsafe:
            self._idle.put(w)
            raise SandboxUnsafe(probe.unsafe_message(w.proof.get("reason", "")))
        with self._lock:
            self._running += 1
        try:
            result = w.run(program, limits, language)
        except _WorkerLost as exc:
            self._replace(w)
            if exc.timeout:
                return RunResult(status="timeout", message=str(exc), duration_ms=(limits.timeout + 5.0) * 1000)
            return RunResult(status="crashed", message=str(exc))
        finally:
            with self._lock:
                self._running -= 1
        self._idle.put(w)
        return result

    def _replace(self, w: _Worker) -> None:
        w.kill()
        w.close()
        with self._lock:
            self._all.remove(w)
            self._started -= 1

    def run_many(self, programs: Iterable[str], limits: Limits | None = None, language: str = "python") -> list[RunResult]:
        """Run programs on all workers at once; results in input order."""
        with ThreadPoolExecutor(self.jobs) as ex:
            return list(ex.map(lambda p: self.run(p, limits, language), programs))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = self._all, []
        for w in workers:
            w.close()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_default: SandboxPool | None = None
_default_lock = threading.Lock()


def default_pool() -> SandboxPool:
    """The process-wide pool, one worker per core, started on first use and closed at exit."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SandboxPool()
            atexit.register(_default.close)
        return _default


def run_untrusted(program: str, *, language: str = "python", limits: Limits | None = None, timeout: float | None = None,
                  pool: SandboxPool | None = None) -> RunResult:
    """Run untrusted ``program`` (tests included) in a sandboxed child process and return its verdict.

    Isolation and its limits are described in this module's docstring: own process, minimal environment, temp dir,
    process group, rlimits, wall-clock kill, unprivileged uid and no network where the host allows. Not a security
    boundary against kernel exploits (no seccomp), and world-readable host files stay readable.
    """
    _check_language(language)
    limits = limits or Limits()
    if timeout is not None:
        limits = replace(limits, timeout=timeout)
    return (pool or default_pool()).run(program, limits, language)


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise SandboxError(f"Language {language!r} is not supported; use one of {', '.join(LANGUAGES)}.")
    if language == "javascript" and not node_path():
        raise SandboxError("JavaScript needs node on the server's PATH; install Node.js or submit Python.")


def network_isolated() -> bool:
    """True when the sandbox's children have no network (their own empty network namespace); asks a worker at start-up."""
    return bool(default_pool().info()["network_isolated"])


def isolation_report(pool: SandboxPool | None = None) -> dict:
    """What the sandbox proved at start-up, for a status line or /health: ``proven``, ``mechanisms``, ``reason``.

    Never raises: a sandbox that cannot start is reported as not proven, with the reason.
    """
    try:
        info = (pool or default_pool()).info()
    except SandboxError as exc:
        return {"proven": False, "mechanisms": [], "reason": str(exc), "network_isolated": False, "checks": {}}
    mechanisms = [name for name, on in (("uid switch", info["user_switch"]), ("user namespace", info["user_namespace"]),
                                        ("own read-only root", info["own_root"]), ("network namespace", info["network_isolated"]),
                                        ("PID namespace", info["checks"].get("own PID namespace") == "yes"),
                                        (f"Landlock ABI {info['landlock_abi']}", info["landlock_abi"] > 0),
                                        ("seccomp: no sockets", info["mode"] == "landlock"),
                                        ("memory cgroup", info["memory_cgroup"])) if on]
    reason = info["reason"] or info["setup_error"]
    return {"proven": info["proven"], "mechanisms": mechanisms, "reason": reason, "network_isolated": info["network_isolated"],
            "checks": info["checks"], "message": "" if info["proven"] else probe.unsafe_message(reason)}


__all__ = ["LANGUAGES", "Limits", "RunResult", "SandboxPool", "STATUSES", "UNSAFE_SETTING", "default_pool", "humaneval_program",
           "isolation_report", "network_isolated", "node_path", "read_jsonl",
           "run_untrusted"]
