"""Warm sandbox worker: started by interview.coding.runner as ``python -I _worker.py``; stdlib only, never imports the app.

Start-up (once): cut the network (new network namespace), give itself a private /tmp, /var/tmp and /dev/shm (new mount
namespace with tmpfs), then answer requests, one JSON line each on stdin, by forking a child per submission. The child
starts a new session, applies the limits, drops to the slot's unprivileged uid, chdirs into a fresh temp dir and runs the
program. The worker reports the verdict as one JSON line on stdout. When it runs as root it stays root (it runs no
untrusted code itself) so that after every submission it can kill every process left under the slot's uid.
"""

from __future__ import annotations

import builtins
import ctypes
import json
import linecache
import os
import resource
import secrets
import selectors
import shutil
import signal
import sys
import tempfile
import time
import traceback
import types

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = 4096, 1 << 14, 1 << 18, 2
PRELOAD = ("array", "bisect", "collections", "copy", "datetime", "decimal", "fractions", "functools", "hashlib", "heapq", "itertools",
           "json", "math", "operator", "random", "re", "socket", "statistics", "string", "typing")
RESULT_FD = 3
NONCE_FD = 4  # JavaScript only: the driver reads the nonce from here at start, then closes it
FILENAME = "<submission>"
JS_DRIVER = r"""'use strict';
const fs = require('fs');
const vm = require('vm');
const writeSync = fs.writeSync;
const report = ((nonce) => (tag, msg) => {
  try { writeSync(3, tag + ' ' + nonce + ' ' + JSON.stringify(String(msg)) + '\n'); } catch (e) { /* fd closed */ }
})(fs.readFileSync(4, 'utf8').trim());
try { fs.closeSync(4); } catch (e) { /* already closed */ }
const source = fs.readFileSync('submission.js', 'utf8');
const lines = source.split('\n');
function describe(e) {
  if (e === null || typeof e !== 'object') return 'Uncaught ' + String(e);
  const text = e.message ? (e.name || 'Error') + ': ' + e.message : String(e.name || e);
  const m = /submission\.js:(\d+)/.exec(String(e.stack || ''));
  const n = m ? Number(m[1]) : 0;
  return n > 0 && n <= lines.length ? text + ' (line ' + n + ': ' + lines[n - 1].trim() + ')' : text;
}
function isMemory(e) {
  return e instanceof RangeError && /allocation failed|Invalid (array|typed array|string) length/i.test(String(e.message));
}
let script;
try {
  script = new vm.Script(source, { filename: 'submission.js' });
} catch (e) {
  report('ERROR', String(e && e.stack ? e.stack : e).split('\n').filter((l) => !/^\s+at /.test(l)).join('\n').trim());
  process.exit(0);
}
globalThis.require = require;  // the submission may use node's modules, as Python code may import
process.on('uncaughtException', (e) => { report(isMemory(e) ? 'MEMORY' : 'FAIL', describe(e)); process.exit(1); });
try {
  script.runInThisContext();
} catch (e) {
  report(isMemory(e) ? 'MEMORY' : 'FAIL', describe(e));
  process.exit(0);
}
report('PASS', '');
"""
_libc = ctypes.CDLL(None, use_errno=True)


def _send(fd: int, obj: dict) -> None:
    data = (json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _unshare(flags: int) -> bool:
    return _libc.unshare(flags) == 0


def _isolate(as_root: bool) -> tuple[bool, bool]:
    """Enter a new network namespace (and, as root, a mount namespace with private tmpfs dirs); return (net, tmp)."""
    if as_root:
        if _unshare(CLONE_NEWNET | CLONE_NEWNS):
            if _libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
                return True, False
            ok = True
            for path in ("/tmp", "/var/tmp", "/dev/shm"):
                if os.path.isdir(path):
                    ok = _libc.mount(b"tmpfs", path.encode(), b"tmpfs", 0, b"size=512m,mode=1777") == 0 and ok
            return True, ok and _hide_root_home()
        return _unshare(CLONE_NEWNET), False
    uid, gid = os.getuid(), os.getgid()
    if not _unshare(CLONE_NEWUSER | CLONE_NEWNET):
        return False, False
    try:  # map our own ids so files we create keep their owner
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    except OSError:
        pass
    return True, False


def _hide_root_home() -> bool:
    """Put an empty tmpfs over /root (the server's home) and bind back only the Python installation if it lives there."""
    if not os.path.isdir("/root"):
        return True
    node = os.environ.get("SANDBOX_NODE", "")
    node_prefix = os.path.dirname(os.path.dirname(os.path.realpath(node))) if node else ""
    prefixes = sorted({p for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, node_prefix) if p.startswith("/root/")})
    stage = "/tmp/.python-stage"
    os.mkdir(stage, 0o700)
    for i, prefix in enumerate(prefixes):
        os.mkdir(f"{stage}/{i}")
        if _libc.mount(prefix.encode(), f"{stage}/{i}".encode(), None, MS_BIND | MS_REC, None) != 0:
            return False
    if _libc.mount(b"tmpfs", b"/root", b"tmpfs", 0, b"size=16m,mode=0755") != 0:
        return False
    for i, prefix in enumerate(prefixes):
        os.makedirs(prefix, exist_ok=True)
        if _libc.mount(f"{stage}/{i}".encode(), prefix.encode(), None, MS_BIND | MS_REC, None) != 0:
            return False
        _libc.umount2(f"{stage}/{i}".encode(), MNT_DETACH)
    shutil.rmtree(stage, ignore_errors=True)
    return True


def _sweep(uid: int, gid: int) -> None:
    """Kill every process running as the slot's uid (the worker itself stays root)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(gid)
            os.setuid(uid)
            for _ in range(2):
                try:
                    os.kill(-1, signal.SIGKILL)
                except OSError:
                    pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    _reap(block=True)


def _has_children() -> bool:
    """True when any process descends from the worker (one syscall; the sweep costs a fork).

    The worker is a subreaper and the submission child has been reaped, so every process a submission
    left behind (however detached: setsid, double fork) is now the worker's child or a descendant of one.
    """
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def _reap(block: bool = False) -> None:
    """Reap orphans re-parented to the worker (it is their subreaper), so no zombies stay behind.

    block=True only after a sweep, when every such child has been sent SIGKILL and is about to exit.
    """
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _where(exc: BaseException, source: list[str]) -> str:
    """The submission's line where exc was raised (the innermost frame in the program)."""
    line = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == FILENAME and frame.lineno and 0 < frame.lineno <= len(source):
            line = f"line {frame.lineno}: {source[frame.lineno - 1].strip()}"
    return line


def _exec_node(req: dict, nonce: str, tmpdir: str) -> None:
    """Replace the (already limited, unprivileged) child by node running the driver; the nonce goes on NONCE_FD."""
    with open(os.path.join(tmpdir, "submission.js"), "w", encoding="utf-8") as f:
        f.write(req["program"])
    with open(os.path.join(tmpdir, "driver.js"), "w", encoding="utf-8") as f:
        f.write(JS_DRIVER)
    r, w = os.pipe()
    os.write(w, nonce.encode())
    os.close(w)
    if r != NONCE_FD:
        os.dup2(r, NONCE_FD)
        os.close(r)
    os.set_inheritable(NONCE_FD, True)
    heap = max(16, (req["memory"] >> 20) - 64)
    os.execve(req["node"], [req["node"], f"--max-old-space-size={heap}", "--stack-size=984", "driver.js"], dict(os.environ))


def _child(req: dict, nonce_r: int, res_w: int, out_w: int, err_w: int, tmpdir: str, slot: tuple[int, int] | None) -> None:
    """Runs in the forked child; never returns. ``slot`` is the (uid, gid) to drop to, or None when not root."""
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(res_w, RESULT_FD)
        nonce = os.read(nonce_r, 64).decode()
        os.closerange(RESULT_FD + 1, 1 << 16)
        os.chdir(tmpdir)
        cpu = int(req["timeout"]) + 2
        js = req.get("language", "python") == "javascript"
        # V8 reserves far more address space than it uses, so RLIMIT_AS would break node: cap its heap with
        # --max-old-space-size and its writable memory with RLIMIT_DATA (and a generous RLIMIT_AS) instead
        mem = (resource.RLIMIT_DATA, req["memory"] + (256 << 20)) if js else (resource.RLIMIT_AS, req["memory"])
        for lim, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)), mem, (resource.RLIMIT_NPROC, req["nproc"]),
                           (resource.RLIMIT_FSIZE, req["fsize"]), (resource.RLIMIT_NOFILE, req["nofile"]), (resource.RLIMIT_CORE, 0)):
            resource.setrlimit(lim, value if isinstance(value, tuple) else (value, value))
        if slot is not None:
            uid, gid = slot
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        os.environ.clear()
        os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": tmpdir, "TMPDIR": tmpdir, "LANG": "C.UTF-8"})
        if js:
            _exec_node(req, nonce, tmpdir)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", closefd=False, buffering=1 << 16)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False, buffering=1)  # noqa: SIM115
        sys.argv = ["submission.py"]
        tempfile.tempdir = tmpdir
        program = req["program"]
        source = program.splitlines()
        linecache.cache[FILENAME] = (len(program), None, [s + "\n" for s in source], FILENAME)
    except BaseException as exc:  # noqa: BLE001 - the sandbox could not be set up
        os.write(2, f"sandbox set-up failed: {exc!r}\n".encode())
        os._exit(70)

    def report(tag: str, message: str = "") -> None:
        os.write(RESULT_FD, f"{tag} {nonce} {json.dumps(message)}\n".encode())

    try:
        code = compile(program, FILENAME, "exec")
    except (SyntaxError, ValueError) as exc:
        report("ERROR", "".join(traceback.format_exception_only(type(exc), exc)).strip())
        os._exit(0)
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001 - output errors do not change the verdict
            pass
        report("PASS")
    except MemoryError:
        report("MEMORY", "MemoryError")
    except SystemExit as exc:
        report("FAIL", f"the program exited (SystemExit {exc.code!r}) before the tests finished")
    except BaseException as exc:  # noqa: BLE001 - any failure of the program is its verdict
        where = _where(exc, source)
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        report("FAIL", f"{text} ({where})" if where else text)
    os._exit(0)


def _serve_one(req: dict, proto_out: int, base: str, slot: tuple[int, int] | None, private_tmp: bool) -> dict:
    start = time.monotonic()
    tmpdir = tempfile.mkdtemp(prefix="run-", dir=base)
    if slot is not None:
        os.chown(tmpdir, *slot)
    nonce_r, nonce_w = os.pipe()
    res_r, res_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(req, nonce_r, res_w, out_w, err_w, tmpdir, slot)
    for fd in (nonce_r, res_w, out_w, err_w):
        os.close(fd)
    nonce = secrets.token_hex(16)  # made after the fork: the child only learns it by reading the pipe
    os.write(nonce_w, nonce.encode())
    os.close(nonce_w)
    _send(proto_out, {"pid": pid})
    pidfd = os.pidfd_open(pid)
    cap = req["max_output"]
    bufs = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray()}
    sizes = dict.fromkeys(bufs, 0)
    sel = selectors.DefaultSelector()
    for fd in bufs:
        sel.register(fd, selectors.EVENT_READ)
    sel.register(pidfd, selectors.EVENT_READ)
    deadline = start + req["timeout"]
    status = None
    timed_out = False
    drain_until = None
    while True:
        now = time.monotonic()
        if status is None and not timed_out and now >= deadline:
            timed_out = True
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if status is not None and drain_until is not None and now >= drain_until:
            break
        if status is not None and len(sel.get_map()) == 0:
            break
        wait = (deadline - now) if status is None and not timed_out else 0.2
        if drain_until is not None:
            wait = max(0.0, drain_until - now)
        for key, _ in sel.select(max(wait, 0.0)):
            fd = key.fd
            if fd == pidfd:
                sel.unregister(pidfd)
                _, status = os.waitpid(pid, 0)
                os.close(pidfd)
                if slot is not None:
                    if _has_children():  # leftovers (background children) die with the submission
                        _sweep(*slot)
                else:
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
                    _reap()
                drain_until = time.monotonic() + 0.5
                continue
            data = os.read(fd, 1 << 16)
            if not data:
                sel.unregister(fd)
                os.close(fd)
                continue
            sizes[fd] += len(data)
            limit = 1 << 16 if fd == res_r else cap
            room = limit - len(bufs[fd])
            if room > 0:
                bufs[fd] += data[:room]
    for fd in [key.fd for key in sel.get_map().values()]:
        sel.unregister(fd)
        os.close(fd)
    sel.close()
    shutil.rmtree(tmpdir, ignore_errors=True)
    if private_tmp:
        _clean_private_dirs(base)
    duration_ms = round((time.monotonic() - start) * 1000, 2)
    status_s, message = _verdict(bufs[res_r].decode("utf-8", "replace"), nonce, status, timed_out)
    err_text = bufs[err_r].decode("utf-8", "replace")
    if status_s == "crashed" and req.get("language") == "javascript" and "heap out of memory" in err_text:
        status_s, message = "memory", "JavaScript heap out of memory"
    return {"status": status_s, "message": message, "duration_ms": duration_ms,
            "stdout": bufs[out_r].decode("utf-8", "replace"), "stderr": bufs[err_r].decode("utf-8", "replace"),
            "stdout_bytes": sizes[out_r], "stderr_bytes": sizes[err_r],
            "truncated": sizes[out_r] > cap or sizes[err_r] > cap}


def _clean_private_dirs(base: str) -> None:
    """Empty the private /tmp, /var/tmp and /dev/shm of anything a submission left (only our base dir stays)."""
    for path in ("/tmp", "/var/tmp", "/dev/shm"):
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            if entry.path == base:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                try:
                    os.unlink(entry.path)
                except OSError:
                    pass


def _verdict(result: str, nonce: str, status: int | None, timed_out: bool) -> tuple[str, str]:
    tags = {}
    for line in result.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] == nonce and parts[0] not in tags:
            try:
                tags[parts[0]] = json.loads(parts[2])
            except ValueError:
                continue
    if timed_out:
        return "timeout", "the wall-clock time limit was reached; the process group was killed"
    for tag, name in (("ERROR", "error"), ("MEMORY", "memory"), ("FAIL", "failed")):
        if tag in tags:
            return name, tags[tag]
    if "PASS" in tags:
        if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return "passed", ""
        return "crashed", "the harness reported a pass but the process did not exit cleanly"
    if status is None:
        return "crashed", "the process could not be waited for"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "timeout", "the CPU time limit was reached"
        return "crashed", f"killed by signal {signal.Signals(sig).name}"
    code = os.WEXITSTATUS(status)
    if code == 70:
        return "crashed", "the sandbox could not be set up"
    return "failed", f"the program exited (status {code}) before the tests finished"


def main() -> None:
    slot: tuple[int, int] | None = None  # the unprivileged (uid, gid) submissions run as; only when root
    if len(sys.argv) == 3:
        slot = int(sys.argv[1]), int(sys.argv[2])
    as_root = os.geteuid() == 0
    if not as_root:
        slot = None
    net, private_tmp = _isolate(as_root)
    _libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans of a submission come back to us to be reaped
    for name in PRELOAD:  # already in memory for every child: faster, and readable even if the install dir is not
        try:
            __import__(name)
        except ImportError:
            pass
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    base = tempfile.mkdtemp(prefix="sandbox-")
    os.chmod(base, 0o711)
    _send(proto_out, {"ready": True, "net": net, "private_tmp": private_tmp, "uid": slot[0] if slot is not None else os.getuid()})
    try:
        for line in proto_in:
            req = json.loads(line)
            try:
                reply = _serve_one(req, proto_out, base, slot, private_tmp)
            except Exception as exc:  # noqa: BLE001 - report, keep serving
                reply = {"status": "crashed", "message": f"sandbox worker error: {exc!r}", "duration_ms": 0.0,
                         "stdout": "", "stderr": "", "stdout_bytes": 0, "stderr_bytes": 0, "truncated": False}
            _send(proto_out, reply)
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
