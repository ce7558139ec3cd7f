"""The start-up proof of the sandbox's isolation: a probe that tries what a hostile submission would.

A worker runs candidates' code only after ``prove`` ran this probe in it and saw every attempt fail: read and write a
world-readable host folder, read the app's code and the server's /proc entry, signal the server and the worker,
connect to a port the server listens on, send UDP out, write in the system folders. Anything that succeeds is named in
the reason, which ``unsafe_message`` turns into what the candidate and the operator are told.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runner import _Worker

UNSAFE_SETTING = "INTERVIEW_SANDBOX_UNSAFE"


def unsafe_message(reason: str) -> str:
    return (f"Code execution is off: this host cannot prove the sandbox's isolation ({reason.rstrip('.') or 'unknown'}). "
            f"Coding answers are discussed, not run. An operator who accepts the risk can set {UNSAFE_SETTING}=on.")


PROBE = """
import json, os, socket
seen = {}
def attempt(name, action):
    try:
        action()
        seen[name] = "allowed"
    except BaseException as exc:
        seen[name] = "denied (" + type(exc).__name__ + ")"
def create(folder):
    path = os.path.join(folder, ".sandbox-probe")
    open(path, "w").close()
    os.unlink(path)
attempt("read a host file", lambda: open(%(canary)r).read())
attempt("list a host folder", lambda: os.listdir(%(folder)r))
attempt("write in a host folder", lambda: create(%(folder)r))
attempt("read the app's code", lambda: open(%(app)r).read())
attempt("read the server's environment", lambda: open("/proc/%(server)d/environ", "rb").read())
own_pid_namespace = os.getppid() == 1  # forked by PID 1 of its own namespace
for pid, who in ((%(server)d, "the server"), (%(worker)d, "the sandbox worker")):
    if pid > 2 or not own_pid_namespace:  # in its own PID namespace, 1 and 2 are the sandbox's server and this probe
        attempt("signal " + who, lambda pid=pid: os.kill(pid, 0))
attempt("connect to the server", lambda: socket.create_connection(("127.0.0.1", %(port)d), timeout=1).close())
attempt("send UDP out", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"probe", ("192.0.2.1", 9)))
for folder in ("/", "/usr", "/etc", "/dev", "/var", "/run", "/run/lock", "/home"):
    if os.path.isdir(folder):
        attempt("write in " + folder, lambda folder=folder: create(folder))
seen["own PID namespace"] = "yes" if own_pid_namespace else "no (pid %%d)" %% os.getpid()
try:
    seen["network interfaces"] = ",".join(sorted(name for _, name in socket.if_nameindex()))
except OSError as exc:
    seen["network interfaces"] = "none visible (" + type(exc).__name__ + ")"
print(json.dumps(seen))
"""


def prove(worker: _Worker) -> dict:
    """Run the probe in ``worker``: try what a hostile program would; isolation holds only if every attempt failed."""
    from .runner import Limits, _WorkerLost

    folder = Path(tempfile.mkdtemp(prefix="interview-probe-"))
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        os.chmod(folder, 0o777)  # world-readable and -writable: only isolation, not permissions, keeps the probe out
        canary = folder / "canary"
        canary.write_text("canary")
        os.chmod(canary, 0o666)
        program = PROBE % {"canary": str(canary), "folder": str(folder), "app": str(Path(__file__).with_name("runner.py").resolve()),
                            "server": os.getpid(), "worker": worker.proc.pid, "port": listener.getsockname()[1]}
        try:
            result = worker.run(program, Limits(timeout=10.0))
        except _WorkerLost as exc:
            return {"proven": False, "reason": f"the probe did not finish ({exc})", "checks": {}}
    finally:
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)
    try:
        checks = json.loads(result.stdout.strip().splitlines()[-1]) if result.passed else {}
    except (ValueError, IndexError):
        checks = {}
    if not checks:
        return {"proven": False, "reason": f"the probe did not run ({result.status}: {result.message})", "checks": {}}
    held = [k for k, v in checks.items() if v == "allowed"]
    if not any(k.startswith("signal ") for k in checks):
        held.append("not be checked for reaching other processes")
    if worker.mode not in ("namespaces", "landlock"):
        held.append(f"run without a new root or Landlock ({worker.setup_error or 'no namespaces allowed here'})")
    if held:
        return {"proven": False, "reason": "a submission could " + "; ".join(held), "checks": checks}
    return {"proven": True, "reason": "", "checks": checks}
