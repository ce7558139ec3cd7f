"""Warm sandbox worker: run by interview.coding.runner as ``python -I _worker.py``; stdlib only, never imports the app.

Start-up (once): enter new network, mount and IPC namespaces (as root directly; otherwise inside a new user namespace
that maps only the server's own uid), build a new root on a small tmpfs holding read-only binds of the system
directories (/usr, /bin, /lib...), the Python standard library and node, a few device nodes and a generated /etc, then
``pivot_root`` into it and detach the host's root: the data directory, the app, /root, /home, /proc, /run and every
world-writable host directory are simply not there. The root is then remounted read-only. The worker reports which
of these steps held; the runner proves them with a probe before any candidate's code runs.

Then the worker moves into a new PID namespace as its PID 1 (the process the runner started stays outside, waiting
for it). Per submission: a fresh size-limited tmpfs is mounted on /tmp (the only writable place; unmounted after, so
nothing survives and disk + RAM are bounded in total) and the submission is forked. It cannot address any process
outside the namespace (no kill, no ptrace of the server), it cannot signal PID 1 either, and after it ends one
kill(-1) from PID 1 ends everything it left in the namespace. The submission starts a new session, applies the
limits, drops to the slot's unprivileged uid (root) or drops every capability (user namespace), sets no_new_privs,
adds a Landlock domain where the kernel has Landlock (read-only everywhere but /tmp; signals and abstract sockets
scoped to the sandbox; no TCP), and runs the program. Without namespaces (Landlock mode) the host's filesystem is in
view, so Landlock allows reads only of what a program needs and a seccomp filter refuses sockets. The verdict goes
back as one JSON line on stdout.
"""

from __future__ import annotations

import builtins
import ctypes
import fcntl
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

PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE = 38, 36, 4
PRELOAD = (
    "array",
    "bisect",
    "collections",
    "copy",
    "datetime",
    "decimal",
    "fractions",
    "functools",
    "hashlib",
    "heapq",
    "itertools",
    "json",
    "math",
    "operator",
    "random",
    "re",
    "socket",
    "statistics",
    "string",
    "typing",
)
RESULT_FD = 3
NONCE_FD = 4  # JavaScript only: the driver reads the nonce from here at start, then closes it
DATA_FD = 5  # the harness's results (outputs only: expected values never enter the sandbox)
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
"""  # noqa: E501 - JavaScript, kept as it runs
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def _send(fd: int, obj: dict) -> None:
    data = (json.dumps(obj) + "\n").encode()
    while data:
        data = data[os.write(fd, data) :]


def _isolate(as_root: bool, slot: tuple[int, int] | None) -> dict:
    """Enter the namespaces and the new root; report what held (the runner's probe checks it by trying)."""
    got = rootfs.enter_namespaces(as_root)
    got["root"] = False
    if got["mount"]:
        try:
            rootfs.build_root(slot)
            got["root"] = True
        except OSError as exc:
            got["root_error"] = str(exc)
    got["landlock"] = lockdown.landlock_abi()
    if got["root"]:
        got["mode"] = "namespaces"
    elif got["landlock"] >= 6 and lockdown.seccomp_supported():
        got["mode"] = "landlock"  # no namespaces here: Landlock's rules and a seccomp filter confine each submission
    else:
        got["mode"] = "none"
    return got


def _load_sibling(name: str) -> types.ModuleType:
    """A module beside this file (``-I`` puts no script folder on sys.path): _lockdown (Landlock, seccomp,
    capabilities), _rootfs (namespaces and the new root)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        name, os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lockdown = _load_sibling("_lockdown")
rootfs = _load_sibling("_rootfs")


def _sweep_children() -> None:
    """Kill every process left behind (the worker is their subreaper, so each is our child once its parent is gone)."""
    for _ in range(200):
        try:
            found = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if found is None:  # children alive, none exited: kill them all (pids from /proc, still ours to read)
            for pid in _children():
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            time.sleep(0.005)
        _reap()


def _children() -> list[int]:
    pids = []
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return pids


def _disk_use(folder: str, limit_files: int) -> tuple[int, int]:
    """Bytes and entries under ``folder`` (stops counting past ``limit_files`` entries)."""
    size = count = 0
    stack = [folder]
    while stack and count <= limit_files:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            count += 1
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            size += st.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return size, count


def _reap(block: bool = False) -> None:
    """Reap orphans re-parented to the worker (it is their subreaper), so no zombies stay behind."""
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
    os.execve(
        req["node"], [req["node"], f"--max-old-space-size={heap}", "--stack-size=984", "driver.js"], dict(os.environ)
    )


def _high_dup(fd: int, lowest: int = 64) -> int:
    return fcntl.fcntl(fd, fcntl.F_DUPFD, lowest)


def _place_fds(targets: dict[int, int]) -> None:
    """Make exactly ``targets`` (number -> source fd) the open fds: dup2 via high copies, then close all the rest."""
    high = {target: _high_dup(src) for target, src in targets.items()}
    for target, src in high.items():
        os.dup2(src, target)
    keep = sorted(high)
    for low, up in zip([-1, *keep], [*keep, 1 << 16], strict=True):
        if up > low + 1:  # os.closerange(n, n) would close everything (the range's end wraps around)
            os.closerange(low + 1, up)


def _readable() -> tuple[list[str], dict[str, int]]:
    """What a submission may read where there is no new root: the system folders, the stdlib, node; a few files."""
    folders = [p for p in rootfs.SYSTEM_DIRS if os.path.isdir(p)] + rootfs.readable_dirs()
    rw = lockdown.FS_READ_FILE | lockdown.FS_WRITE_FILE | lockdown.FS_TRUNCATE
    files = {
        "/dev/null": rw,
        **{f"/dev/{n}": lockdown.FS_READ_FILE for n in rootfs.DEVICES if n != "null"},
        **{f"/etc/{n}": lockdown.FS_READ_FILE for n in (*rootfs.ETC_FILES, "ssl/openssl.cnf")},
    }  # node reads OpenSSL's
    return folders, files


def _confine(req: dict, slot: tuple[int, int] | None, caps: dict, run_dir: str) -> None:
    """Limits, then the uid drop (root) or the capability drop (user namespace), no_new_privs, Landlock, seccomp."""
    cpu = int(req["timeout"]) + 2
    js = req.get("language", "python") == "javascript"
    # V8 reserves far more address space than it uses, so RLIMIT_AS would break node: cap its heap with
    # --max-old-space-size and its writable memory with RLIMIT_DATA (and a generous RLIMIT_AS) instead
    mem = (resource.RLIMIT_DATA, req["memory"] + (256 << 20)) if js else (resource.RLIMIT_AS, req["memory"])
    for lim, value in (
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        mem,
        (resource.RLIMIT_NPROC, req["nproc"]),
        (resource.RLIMIT_FSIZE, req["fsize"]),
        (resource.RLIMIT_NOFILE, req["nofile"]),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(lim, value if isinstance(value, tuple) else (value, value))
    if slot is not None:
        uid, gid = slot
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    elif caps["userns"]:
        lockdown.drop_capabilities()
    lockdown.no_new_privs()
    abi = caps["landlock"]
    if caps["mode"] == "landlock":  # the host's whole filesystem is in view: allow only what a program needs
        folders, files = _readable()
        lockdown.landlock(abi, folders, [run_dir], files)
        lockdown.seccomp_deny(lockdown.NO_NAMESPACE_RULES)
    elif abi > 0:
        lockdown.landlock(
            abi, ["/"], [run_dir], {"/dev/null": lockdown.FS_READ_FILE | lockdown.FS_WRITE_FILE | lockdown.FS_TRUNCATE}
        )


def _child(req: dict, fds: dict[int, int], run_dir: str, slot: tuple[int, int] | None, caps: dict) -> None:
    """Runs in the forked child; never returns. ``slot`` is the (uid, gid) to drop to, or None when not root."""
    try:
        os.setsid()
        nonce_r = _high_dup(fds.pop(-1))
        devnull = os.open(os.devnull, os.O_RDONLY)
        _place_fds({0: devnull, **fds, 63: nonce_r})
        nonce = os.read(63, 64).decode()
        os.close(63)
        os.chdir(run_dir)
        _confine(req, slot, caps, run_dir)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        os.environ.clear()
        os.environ.update(
            {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": run_dir, "TMPDIR": run_dir, "LANG": "C.UTF-8"}
        )
        if req.get("language", "python") == "javascript":
            _exec_node(req, nonce, run_dir)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", closefd=False, buffering=1 << 16)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False, buffering=1)  # noqa: SIM115
        sys.argv = ["submission.py"]
        tempfile.tempdir = run_dir
        program = req["program"]
        source = program.splitlines()
        linecache.cache[FILENAME] = (len(program), None, [s + "\n" for s in source], FILENAME)
    except BaseException as exc:  # noqa: BLE001 - the sandbox could not be set up
        try:
            os.write(2, f"sandbox set-up failed: {exc!r}\n".encode())
        finally:
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


def _start(req: dict, fds: dict[int, int], run_dir: str, slot: tuple[int, int] | None, caps: dict) -> int:
    """Fork the submission; return its pid. In namespace mode this process is PID 1 of the sandbox's own namespace."""
    pid = os.fork()
    if pid == 0:
        _child(req, fds, run_dir, slot, caps)
    return pid


def _sweep(caps: dict) -> None:
    """Kill whatever a submission left running. As PID 1 of the sandbox's namespace one kill(-1) reaches all of it;
    elsewhere the leftovers are found as our children (the worker is their subreaper)."""
    if not caps.get("pidns"):
        _sweep_children()
        return
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return  # nothing left: the usual case costs one system call
    for _ in range(100):
        try:
            os.kill(-1, signal.SIGKILL)  # every process in this namespace but its init
        except OSError:
            pass
        _reap(block=True)
        try:
            os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return


def _enter_pid_namespace() -> bool:
    """Serve from PID 1 of a new PID namespace: True in that server; False if it cannot be made (nothing changed).

    The process that calls this waits for the server and exits with it: it never returns True.
    """
    pid_r, pid_w = os.pipe()
    go_r, go_w = os.pipe()
    middle = os.fork()
    if middle == 0:  # unshare so that our next child is the new namespace's init, then leave
        os.close(pid_r)
        os.close(go_w)
        if not rootfs.unshare(rootfs.CLONE_NEWPID):
            os._exit(71)
        server = os.fork()
        if server == 0:
            os.close(pid_w)
            os.environ["SANDBOX_SERVER_PID"] = os.read(go_r, 64).decode()  # our pid outside; the outer process has us
            os.close(go_r)
            return True
        os.write(pid_w, f"{server}\n".encode())
        os._exit(0)
    os.close(pid_w)
    os.close(go_r)
    os.waitpid(middle, 0)
    text = os.read(pid_r, 64).decode().strip()
    os.close(pid_r)
    if not text:
        os.close(go_w)
        return False
    server = int(text)
    os.write(go_w, str(server).encode())
    os.close(go_w)
    for fd in range(3, 1 << 10):  # only the server keeps the protocol pipes: their ends close when it ends
        try:
            os.close(fd)
        except OSError:
            pass
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if pid == server:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _serve_one(req: dict, proto_out: int, slot: tuple[int, int] | None, caps: dict) -> dict:
    start = time.monotonic()
    if not caps["root"]:  # a temp dir on the host (Landlock mode: the only place it may write), removed after
        run_dir = tempfile.mkdtemp(prefix="run-", dir=caps.get("base"))
        try:
            return _run_in(req, proto_out, run_dir, slot, caps, start)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
    if not rootfs.run_tmpfs(req.get("disk_mb", 64), slot):
        raise OSError("could not mount the submission's /tmp")
    try:
        return _run_in(req, proto_out, rootfs.RUN_DIR, slot, caps, start)
    finally:
        _libc.umount2(rootfs.RUN_DIR.encode(), rootfs.MNT_DETACH)


def _run_in(req: dict, proto_out: int, run_dir: str, slot: tuple[int, int] | None, caps: dict, start: float) -> dict:
    """Run one submission in ``run_dir`` and return the reply: its verdict, its output (capped) and its data."""
    pid, pidfd, nonce, (out_r, err_r, res_r, data_r) = _spawn(req, proto_out, run_dir, slot, caps)
    cap = req["max_output"]
    caps_by_fd = {out_r: cap, err_r: cap, res_r: 1 << 16, data_r: req.get("max_data", 8 << 20)}
    bufs, sizes, status, timed_out, over_disk = _watch(req, pid, pidfd, run_dir, caps, caps_by_fd, start)
    duration_ms = round((time.monotonic() - start) * 1000, 2)
    status_s, message = _verdict(bufs[res_r].decode("utf-8", "replace"), nonce, status, timed_out)
    if over_disk:
        status_s, message = "crashed", over_disk
    err_text = bufs[err_r].decode("utf-8", "replace")
    if status_s == "crashed" and req.get("language") == "javascript" and "heap out of memory" in err_text:
        status_s, message = "memory", "JavaScript heap out of memory"
    return {
        "status": status_s,
        "message": message,
        "duration_ms": duration_ms,
        "stdout": bufs[out_r].decode("utf-8", "replace"),
        "stderr": err_text,
        "data": bufs[data_r].decode("utf-8", "replace"),
        "data_truncated": sizes[data_r] > caps_by_fd[data_r],
        "stdout_bytes": sizes[out_r],
        "stderr_bytes": sizes[err_r],
        "truncated": sizes[out_r] > cap or sizes[err_r] > cap,
    }


def _spawn(
    req: dict, proto_out: int, run_dir: str, slot: tuple[int, int] | None, caps: dict
) -> tuple[int, int, str, tuple[int, int, int, int]]:
    """Fork the submission on fresh pipes, hand it its nonce and tell the runner its pid.

    Return the pid, a pidfd for it, the nonce and the read ends of its stdout, stderr, result and data pipes.
    """
    nonce_r, nonce_w = os.pipe()
    res_r, res_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    data_r, data_w = os.pipe()
    fds = {1: out_w, 2: err_w, RESULT_FD: res_w, DATA_FD: data_w, -1: nonce_r}
    try:
        pid = _start(req, fds, run_dir, slot, caps)
    finally:
        for fd in (nonce_r, res_w, out_w, err_w, data_w):
            os.close(fd)
    nonce = secrets.token_hex(16)  # made after the fork: the child only learns it by reading the pipe
    os.write(nonce_w, nonce.encode())
    os.close(nonce_w)
    _send(proto_out, {"pid": pid})
    return pid, os.pidfd_open(pid), nonce, (out_r, err_r, res_r, data_r)


def _watch(
    req: dict, pid: int, pidfd: int, run_dir: str, caps: dict, caps_by_fd: dict[int, int], start: float
) -> tuple[dict[int, bytearray], dict[int, int], int | None, bool, str]:
    """Read the submission's pipes (each kept up to its cap) until it has exited and they are drained (for half a
    second at most); kill it at the deadline, or when its run dir outgrows the disk limit where no tmpfs bounds it.

    Return the bytes kept and the bytes seen per pipe, its wait status, whether it timed out, and why it was stopped
    for its disk use ("" if it was not).
    """
    bufs = {fd: bytearray() for fd in caps_by_fd}
    sizes = dict.fromkeys(bufs, 0)
    sel = selectors.DefaultSelector()
    for fd in bufs:
        sel.register(fd, selectors.EVENT_READ)
    sel.register(pidfd, selectors.EVENT_READ)
    deadline = start + req["timeout"]
    exited = timed_out = False
    status: int | None = None
    over_disk = ""
    watch = caps["mode"] != "namespaces"  # no size-limited tmpfs: measure the run dir instead, 10 times a second
    next_check = start + 0.1
    drain_until = None
    while True:
        now = time.monotonic()
        if not exited and not timed_out and now >= deadline:
            timed_out = True
            _kill(pid)
        if watch and not exited and not over_disk and now >= next_check:
            next_check = now + 0.1
            over_disk = _over_disk(req, run_dir)
            if over_disk:
                _kill(pid)
        if exited and (len(sel.get_map()) == 0 or (drain_until is not None and now >= drain_until)):
            break
        wait = (deadline - now) if not exited and not timed_out else 0.2
        if watch and not exited:
            wait = min(wait, max(0.0, next_check - now))
        if drain_until is not None:
            wait = max(0.0, drain_until - now)
        for key, _ in sel.select(max(wait, 0.0)):
            if key.fd == pidfd:
                status = _reap_submission(sel, pid, pidfd, caps)
                exited = True
                drain_until = time.monotonic() + 0.5
            else:
                _read_pipe(sel, key.fd, bufs, sizes, caps_by_fd)
    _close_all(sel)
    return bufs, sizes, status, timed_out, over_disk


def _over_disk(req: dict, run_dir: str) -> str:
    """Why the run dir holds more than the submission may write ("" if it does not)."""
    size, count = _disk_use(run_dir, rootfs.DISK_FILES)
    if size > req.get("disk_mb", 64) << 20 or count > rootfs.DISK_FILES:
        return f"the program wrote more than {req.get('disk_mb', 64)} MB or {rootfs.DISK_FILES} files; it was stopped"
    return ""


def _reap_submission(sel: selectors.BaseSelector, pid: int, pidfd: int, caps: dict) -> int:
    """Wait for the exited submission, then kill whatever it left running; return its wait status."""
    sel.unregister(pidfd)
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    _sweep(caps)
    return status


def _read_pipe(
    sel: selectors.BaseSelector, fd: int, bufs: dict[int, bytearray], sizes: dict[int, int], caps_by_fd: dict[int, int]
) -> None:
    """Read what is ready on ``fd``: count it, keep it up to the pipe's cap; close the pipe at its end."""
    data = os.read(fd, 1 << 16)
    if not data:
        sel.unregister(fd)
        os.close(fd)
        return
    sizes[fd] += len(data)
    room = caps_by_fd[fd] - len(bufs[fd])
    if room > 0:
        bufs[fd] += data[:room]


def _close_all(sel: selectors.BaseSelector) -> None:
    """Close every pipe still registered (what a submission's leftovers kept open past the drain), then ``sel``."""
    for fd in [key.fd for key in sel.get_map().values()]:
        sel.unregister(fd)
        os.close(fd)
    sel.close()


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):  # the namespace's init: the kernel then kills everything in it
        try:
            kill(pid, signal.SIGKILL)
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
    for name in PRELOAD:  # already in memory for every child: faster, and importable whatever the new root holds
        try:
            __import__(name)
        except ImportError:
            pass
    caps = _isolate(as_root, slot)
    if not caps["root"]:
        caps["base"] = tempfile.mkdtemp(prefix="sandbox-")  # 0700: run dirs inside, removed after each run
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # orphans come back to us to be reaped
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # nobody of our uid may ptrace the worker or read its memory
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    caps["pidns"] = caps["root"] and _enter_pid_namespace()  # from here on, PID 1 of the sandbox's namespace
    _send(
        proto_out,
        {
            "ready": True,
            **caps,
            "uid": slot[0] if slot is not None else os.getuid(),
            "server_pid": int(os.environ.get("SANDBOX_SERVER_PID") or os.getpid()),
        },
    )
    try:
        _serve(proto_in, proto_out, slot, caps)
    finally:
        if caps.get("base"):
            shutil.rmtree(caps["base"], ignore_errors=True)


def _serve(proto_in, proto_out: int, slot: tuple[int, int] | None, caps: dict) -> None:
    for line in proto_in:
        req = json.loads(line)
        try:
            reply = _serve_one(req, proto_out, slot, caps)
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            reply = {
                "status": "crashed",
                "message": f"sandbox worker error: {exc!r}",
                "duration_ms": 0.0,
                "data": "",
                "data_truncated": False,
                "stdout": "",
                "stderr": "",
                "stdout_bytes": 0,
                "stderr_bytes": 0,
                "truncated": False,
            }
        _send(proto_out, reply)


if __name__ == "__main__":
    main()
