"""Hostile submissions, and a script that plays the server running them as an ordinary user.

Each attack is a Python program that prints one JSON object: what it managed to do. The tests run them through the
real sandbox as root (the test process) and, through ``python tests/sandbox_attacks.py SPEC``, as an unprivileged
service user that owns the app's files and the data directory, with a Groq key in its environment, as Streamlit
Community Cloud and most hosts run the app.
"""

from __future__ import annotations

import json
import os
import sys

# %(...)s fields: data (the data directory), session (a saved session file in it), app (a file of the app's code),
# secrets (a secrets.toml), server (the server's pid), port (a TCP port the server listens on), marker (a unique text).
ATTACKS = {
    "read_data": r'''
import json, os
got = {}
for name, path in (("session", %(session)r), ("secrets", %(secrets)r), ("app", %(app)r)):
    try:
        got[name] = open(path).read()[:200]
    except Exception as exc:
        got[name] = "denied " + type(exc).__name__
try:
    got["listing"] = os.listdir(%(data)r)
except Exception as exc:
    got["listing"] = "denied " + type(exc).__name__
print(json.dumps(got))
''',
    "write_app": r'''
import json
got = {}
for name, path in (("app", %(app)r), ("session", %(session)r)):
    try:
        with open(path, "a") as f:
            f.write("\nprint('pwned %(marker)s')\n")
        got[name] = "appended"
    except Exception as exc:
        got[name] = "denied " + type(exc).__name__
print(json.dumps(got))
''',
    "server_process": r'''
import json, os, signal
got = {}
for name, action in (("environ", lambda: open("/proc/%(server)s/environ", "rb").read().decode("latin-1")),
                     ("self_environ", lambda: open("/proc/self/environ", "rb").read().decode("latin-1")),
                     ("signal", lambda: os.kill(%(server)s, 0)),
                     ("stop", lambda: os.kill(%(server)s, signal.SIGSTOP))):
    try:
        got[name] = "done " + str(action())[:4000]
    except Exception as exc:
        got[name] = "denied " + type(exc).__name__
got["env_here"] = dict(os.environ)
print(json.dumps(got))
''',
    "network": r'''
import json, socket
got = {}
for name, addr in (("server", ("127.0.0.1", %(port)d)), ("outside", ("1.1.1.1", 53))):
    try:
        socket.create_connection(addr, timeout=2).close()
        got[name] = "connected"
    except Exception as exc:
        got[name] = "denied " + type(exc).__name__
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", ("1.1.1.1", 53))
    got["udp"] = "sent"
except Exception as exc:
    got["udp"] = "denied " + type(exc).__name__
try:
    got["interfaces"] = [n for _, n in socket.if_nameindex()]
except Exception as exc:
    got["interfaces"] = "denied " + type(exc).__name__
print(json.dumps(got))
''',
    "fill_disk": r'''
import json, os
got = {"written": {}}
block = b"x" * (1 << 20)
for folder in ("/run/lock", "/dev/shm", "/var/tmp", "/tmp", "."):
    total = 0
    try:
        for i in range(400):
            with open(os.path.join(folder, "fill-%(marker)s-%%d" %% i), "wb") as f:
                for _ in range(16):
                    f.write(block)
                    total += 1
    except Exception as exc:
        pass
    got["written"][folder] = total
print(json.dumps(got))
''',
    "leave_process": r'''
import json, os, time
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["/bin/sleep", "300"])
    os._exit(0)
os.waitpid(pid, 0)
time.sleep(0.2)
print(json.dumps({"left": True}))
''',
}


def _through_service(pool, programs: dict, data: str) -> dict:
    """The real entry point: an interview saved in the data directory, each attack pressed as Run on its coding question."""
    from interview import InterviewOptions, InterviewService, JsonFileStore
    from interview.coding.judge import SandboxJudge

    service = InterviewService(judge=SandboxJudge(pool), store=JsonFileStore(data))
    results = {}
    for name, program in programs.items():
        state = service.start(InterviewOptions(role="software_engineer", num_questions=1, coding_questions=1, seed=3))
        program = program.replace("__SERVER_PID__", str(os.getpid()))
        state, report = service.run_code(state, program, "python")
        results[name] = {"status": "passed", "stdout": report.stdout, "message": report.message, "session": state.id}
    return results


def render(name: str, **fields) -> str:
    return ATTACKS[name] % fields


def _mount(libc, src, dst, fstype, flags, data=None) -> None:
    import ctypes

    enc = (lambda v: v.encode() if isinstance(v, str) else v)
    if libc.mount(enc(src), enc(dst), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        raise OSError(ctypes.get_errno(), f"mount {src} on {dst}")


def _lockdown():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "interview" / "coding" / "_lockdown.py"
    spec = importlib.util.spec_from_file_location("_lockdown", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def launch(cfg: dict) -> int:
    """As root: start ``main`` as the service user in a private mount namespace where the Python it needs is readable.

    The venv and the interpreter may sit under folders other users cannot enter (/root, a 0700 temp dir): those folders
    are covered by an empty tmpfs with only the needed paths bound back. ``no_userns`` puts it in a user namespace
    whose limit of nested user namespaces is 0: a host that allows no user namespaces, as many containers are.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    uid = cfg["uid"]
    lock = _lockdown() if cfg.get("no_landlock") else None  # loaded now: the mounts below may hide this checkout
    ready_r, ready_w = os.pipe()
    mapped_r, mapped_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            flags = 0x00020000 | (0x10000000 if cfg["no_userns"] else 0)  # CLONE_NEWNS (| CLONE_NEWUSER)
            if libc.unshare(flags) != 0:
                raise OSError(ctypes.get_errno(), "unshare")
            os.write(ready_w, b"1")
            os.read(mapped_r, 1)
            _mount(libc, None, "/", None, (1 << 14) | (1 << 18))  # MS_REC | MS_PRIVATE
            for i, path in enumerate(cfg["needed"]):
                os.makedirs(f"{cfg['stage']}/{i}", exist_ok=True)
                _mount(libc, path, f"{cfg['stage']}/{i}", None, 4096 | (1 << 14))  # MS_BIND | MS_REC
            for folder in cfg["blocked"]:
                _mount(libc, "tmpfs", folder, "tmpfs", 0, "mode=0755")
            for i, path in enumerate(cfg["needed"]):
                os.makedirs(path, exist_ok=True)
                _mount(libc, f"{cfg['stage']}/{i}", path, None, 4096 | (1 << 14))
            if cfg["no_userns"]:
                with open("/proc/sys/user/max_user_namespaces", "w") as f:
                    f.write("0")
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            if lock is not None:  # a kernel (or a container's filter) without Landlock: the call is not there
                lock.no_new_privs()
                lock.seccomp_deny({"landlock_create_ruleset": 38})  # ENOSYS
            os.execve(cfg["python"], [cfg["python"], cfg["script"], cfg["spec"]], cfg["env"])  # the app's copy of this file
        except BaseException as exc:  # noqa: BLE001
            os.write(2, f"launch failed: {exc!r}\n".encode())
        finally:
            os._exit(70)
    os.read(ready_r, 1)
    if cfg["no_userns"]:
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{name}", "w") as f:
                f.write(f"0 0 1\n{uid} {uid} 1\n")
    os.write(mapped_w, b"1")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main() -> None:
    """As the service user: start a pool, report what it proved, run each attack; print one JSON document."""
    spec = json.loads(open(sys.argv[1]).read())
    from interview.coding.runner import Limits, SandboxPool, isolation_report
    from interview.errors import SandboxUnsafe

    out: dict = {"uid": os.getuid(), "server": os.getpid(), "results": {}}
    with SandboxPool(1) as pool:
        out["isolation"] = isolation_report(pool)
        if spec.get("through_service"):
            out["results"] = _through_service(pool, spec["programs"], spec["data"])
            print(json.dumps(out))
            return
        for name, program in spec["programs"].items():
            language = "python"
            if isinstance(program, dict):
                program, language = program["program"], program["language"]
            program = program.replace("__SERVER_PID__", str(os.getpid()))
            try:
                r = pool.run(program, Limits(timeout=10.0), language=language)
                out["results"][name] = {"status": r.status, "message": r.message, "stdout": r.stdout, "stderr": r.stderr[-2000:]}
            except SandboxUnsafe as exc:
                out["results"][name] = {"status": "refused", "message": str(exc)}
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "--launch":
        sys.exit(launch(json.loads(open(sys.argv[2]).read())))
    main()
