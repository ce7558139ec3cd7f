"""The sandbox fails closed and holds, run as root and as an ordinary service user (how most hosts run the app).

Every attack here was found against an earlier version: a submission read other candidates' sessions, the Groq key
from the server's /proc entry, appended to the app's code, filled a world-writable host folder, left processes
behind, and read the hidden tests' expected values from its own source. Each must now fail in both modes; where
isolation cannot be proven (no user namespaces for an ordinary user), no code runs at all.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from interview.coding.harness import run_tests
from interview.coding.problems import load_problems
from interview.coding.runner import Limits, SandboxPool, isolation_report
from interview.errors import SandboxBusy, SandboxUnsafe

sys.path.insert(0, str(Path(__file__).parent))
import sandbox_attacks  # noqa: E402

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[1]
SERVICE_UID = 65534
KEY = "gsk_" + "S3CRET" * 6
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="playing a service user needs root to switch to it")


def _fields(base: Path, **extra) -> dict:
    marker = secrets.token_hex(6)
    return {"data": str(base / "data"), "session": str(base / "data" / "s-1.json"), "app": str(base / "app" / "interview" / "report.py"),
            "secrets": str(base / "app" / ".streamlit" / "secrets.toml"), "marker": marker, **extra}


def _plant(base: Path, owner: int | None, *, world_readable: bool) -> None:
    """A data directory with a saved session, the app's code and a secrets.toml, as a careless host would lay them out."""
    (base / "data").mkdir(parents=True)
    (base / "data" / "s-1.json").write_text('{"id": "s-1", "answer": "CANDIDATE-SECRET"}')
    shutil.copytree(ROOT / "interview", base / "app" / "interview", ignore=shutil.ignore_patterns("__pycache__"))
    (base / "app" / ".streamlit").mkdir()
    (base / "app" / ".streamlit" / "secrets.toml").write_text(f'GROQ_API_KEY = "{KEY}"\n')
    shutil.copy(Path(__file__).with_name("sandbox_attacks.py"), base / "app" / "sandbox_attacks.py")
    mode_dir, mode_file = (0o755, 0o644) if world_readable else (0o700, 0o600)
    for path in [base, *base.rglob("*")]:
        os.chmod(path, mode_dir if path.is_dir() else mode_file)
        if owner is not None:
            os.chown(path, owner, owner)
    os.chmod(base, 0o755)


def _denied(result: dict) -> None:
    assert result["status"] == "passed" or "wrote more than" in result.get("message", ""), result


def _check_all(results: dict, fields: dict) -> None:
    got = {name: json.loads(r["stdout"].strip().splitlines()[-1]) for name, r in results.items()
           if name != "leave_process" and r["stdout"].strip()}
    read = got["read_data"]
    assert all(str(read[k]).startswith("denied") for k in ("session", "secrets", "app", "listing")), read
    assert all(v.startswith("denied") for v in got["write_app"].values()), got["write_app"]
    proc = got["server_process"]
    assert all(str(proc[k]).startswith("denied") for k in ("environ", "self_environ", "signal", "stop")), proc
    assert KEY not in json.dumps(proc) and "GROQ" not in json.dumps(proc["env_here"])
    net = got["network"]
    assert net["server"].startswith("denied") and net["outside"].startswith("denied") and net["udp"].startswith("denied"), net
    assert net["interfaces"] in (["lo"], "denied PermissionError")  # an empty network namespace, or no sockets at all
    if "fill_disk" in got:  # a private tmpfs: the writes stop at its size
        written = got["fill_disk"]["written"]
        assert written.get("/run/lock", 0) == 0, written  # not there at all
        assert max(written.values()) <= Limits().disk_mb, written  # everything writable is one bounded tmpfs
        assert sum(written.values()) <= 4 * Limits().disk_mb
    else:  # Landlock mode (no namespaces): the program is stopped as soon as its folder outgrows the limit
        assert results["fill_disk"]["status"] == "crashed" and "wrote more than" in results["fill_disk"]["message"], results["fill_disk"]


# As root (the test process is root on CI)


@pytest.fixture(scope="module")
def planted():
    base = Path(tempfile.mkdtemp(prefix="interview-host-", dir="/var/tmp"))
    _plant(base, None, world_readable=True)  # 0755 / 0644: only isolation, not permissions, keeps a submission out
    yield base
    shutil.rmtree(base, ignore_errors=True)


@needs_root
def test_as_root_every_attack_fails_and_nothing_is_left_on_the_host(planted):
    listener = socket.create_server(("127.0.0.1", 0))
    fields = _fields(planted, server=os.getpid(), port=listener.getsockname()[1])
    before = {p: p.read_bytes() for p in (planted / "app" / "interview").glob("*.py")}
    lock_before = set(os.listdir("/run/lock")) if os.path.isdir("/run/lock") else set()
    shm_before = set(os.listdir("/dev/shm"))
    with SandboxPool(1) as pool:
        assert isolation_report(pool)["proven"]
        results = {name: pool.run(sandbox_attacks.render(name, **fields), Limits(timeout=10.0)) for name in sandbox_attacks.ATTACKS}
        results = {k: {"status": r.status, "stdout": r.stdout, "message": r.message} for k, r in results.items()}
        for r in results.values():
            _denied(r)
        after_run = pool.run("import os\nprint(sorted(os.listdir('/tmp')))", Limits(timeout=5.0))
    listener.close()
    _check_all(results, fields)
    assert after_run.stdout.strip() == "[]", "each submission gets a fresh /tmp"
    assert {p: p.read_bytes() for p in before} == before
    assert set(os.listdir("/dev/shm")) == shm_before
    if os.path.isdir("/run/lock"):
        assert set(os.listdir("/run/lock")) == lock_before
    assert not _processes_with("sleep 300")


def _processes_with(cmdline: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                state = (entry / "stat").read_text().split(") ", 1)[1][0]
            except (OSError, IndexError):
                continue
            if text == cmdline.strip() and state != "Z":
                found.append(int(entry.name))
    return found


# As an ordinary service user that owns the app and the data directory


def _blocked_ancestors(paths: list[str], uid: int) -> list[str]:
    """Folders above ``paths`` that ``uid`` (not their owner) cannot enter."""
    blocked = set()
    for path in paths:
        for parent in reversed(Path(path).parents):
            st = parent.stat()
            if not st.st_mode & 0o001 and st.st_uid != uid:
                blocked.add(str(parent))
                break
    return sorted(blocked)


def _as_service_user(base: Path, programs: dict, *, no_userns: bool = False, no_landlock: bool = False,
                     through_service: bool = False) -> dict:
    exe = Path(sys.executable)
    needed = sorted({str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve()), str(exe.resolve().parent.parent)})
    needed = [p for p in needed if not any(p != q and p.startswith(q + "/") for q in needed)]
    spec = base / "spec.json"
    spec.write_text(json.dumps({"programs": programs, "through_service": through_service, "data": str(base / "data")}))
    os.chmod(spec, 0o644)
    stage = tempfile.mkdtemp(prefix="stage-")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(base), "LANG": "C.UTF-8", "GROQ_API_KEY": KEY,
           "PYTHONPATH": str(base / "app"), "INTERVIEW_DATA_DIR": str(base / "data")}
    cfg = {"uid": SERVICE_UID, "no_userns": no_userns, "no_landlock": no_landlock, "needed": needed, "blocked": _blocked_ancestors(needed, SERVICE_UID),
           "stage": stage, "python": str(exe), "spec": str(spec), "env": env, "script": str(base / "app" / "sandbox_attacks.py")}
    (base / "launch.json").write_text(json.dumps(cfg))
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).with_name("sandbox_attacks.py")), "--launch", str(base / "launch.json")],
                              capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def service_home():
    base = Path(tempfile.mkdtemp(prefix="interview-svc-", dir="/var/tmp"))
    _plant(base, SERVICE_UID, world_readable=False)  # the service user's own files, 0700 / 0600: it can read them all
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _attack_as_service_user(home: Path, extra: dict | None = None, **how) -> tuple[dict, dict, dict]:
    """Every attack through a pool run by the service user; (its output, the attacks' fields, the app's files before)."""
    listener = socket.create_server(("127.0.0.1", 0))
    fields = _fields(home, server="__SERVER_PID__", port=listener.getsockname()[1])
    before = {p: p.read_bytes() for p in (home / "app" / "interview").rglob("*.py")}
    programs = {name: sandbox_attacks.render(name, **fields) for name in sandbox_attacks.ATTACKS}
    try:
        return _as_service_user(home, {**programs, **(extra or {})}, **how), fields, before
    finally:
        listener.close()


@needs_root
def test_as_a_service_user_every_attack_fails(service_home):
    out, fields, before = _attack_as_service_user(service_home)
    assert out["uid"] == SERVICE_UID
    iso = out["isolation"]
    assert iso["proven"], iso
    assert "user namespace" in iso["mechanisms"] and "own read-only root" in iso["mechanisms"] and "PID namespace" in iso["mechanisms"]
    for r in out["results"].values():
        _denied(r)
    _check_all(out["results"], fields)
    assert {p: p.read_bytes() for p in before} == before, "the app's code was changed"
    assert json.loads((service_home / "data" / "s-1.json").read_text())["answer"] == "CANDIDATE-SECRET"
    assert not _processes_with("sleep 300")


@needs_root
def test_through_the_session_service_run_as_a_service_user_the_attacks_fail_too(service_home):
    listener = socket.create_server(("127.0.0.1", 0))
    fields = _fields(service_home, server="__SERVER_PID__", port=listener.getsockname()[1])
    names = ("read_data", "write_app", "server_process", "network")
    out = _as_service_user(service_home, {n: sandbox_attacks.render(n, **fields) for n in names}, through_service=True)
    listener.close()
    assert out["isolation"]["proven"]
    got = {n: json.loads(r["stdout"].strip().splitlines()[-1]) for n, r in out["results"].items()}
    assert all(str(v).startswith("denied") for v in got["read_data"].values()), got["read_data"]
    assert all(v.startswith("denied") for v in got["write_app"].values())
    assert KEY not in json.dumps(got) and got["network"]["server"].startswith("denied")
    saved = sorted(p.name for p in (service_home / "data").glob("*.json"))
    assert "s-1.json" in saved and len(saved) == 1 + len(names), "every session was saved where the sandbox could not look"


@needs_root
def test_without_user_namespaces_landlock_and_seccomp_hold_every_attack(service_home):
    js = {"javascript": {"program": "console.log(JSON.stringify({js: 6 * 7}))", "language": "javascript"}}
    out, fields, before = _attack_as_service_user(service_home, js, no_userns=True)
    iso = out["isolation"]
    assert iso["proven"], iso
    assert out["results"].pop("javascript")["stdout"].strip() == '{"js":42}', "node runs under the same rules"
    assert "user namespace" not in iso["mechanisms"] and "seccomp: no sockets" in iso["mechanisms"]
    for r in out["results"].values():
        _denied(r)
    _check_all(out["results"], fields)
    assert {p: p.read_bytes() for p in before} == before, "the app's code was changed"
    assert not _processes_with("sleep 300")
    assert not list(Path(tempfile.gettempdir()).glob("sandbox-*/run-*")), "run folders are removed"


@needs_root
def test_with_neither_user_namespaces_nor_landlock_a_service_user_runs_no_code(service_home):
    marker = secrets.token_hex(6)
    out = _as_service_user(service_home, {"hello": f"print('{marker}')"}, no_userns=True, no_landlock=True)
    iso = out["isolation"]
    assert not iso["proven"] and "INTERVIEW_SANDBOX_UNSAFE" in iso["message"], iso
    assert "read a host file" in iso["reason"]
    result = out["results"]["hello"]
    assert result["status"] == "refused" and "cannot prove the sandbox's isolation" in result["message"]
    assert marker not in json.dumps(result)


# Hidden tests out of reach


def _problem(pid: str):
    return load_problems()[pid]


def test_the_expected_values_of_hidden_tests_never_enter_the_program():
    problem = _problem("two_sum")
    expected = json.dumps(problem.hidden_tests[0].expected)
    # a lookup table: search the program's own source (as the harness gave it) for the expected answers
    code = (f"import linecache, json\ndef {problem.function}(*args):\n"
            "    source = ''.join(linecache.cache['<submission>'][2])\n"
            f"    return [json.dumps(source).count({expected!r}), 0]\n")
    report = run_tests(problem, code, "python", "submit")
    assert report.passed == 0 and report.verdict == "failed"
    probe = run_tests(problem, "import linecache\ndef two_sum(nums, target):\n"
                      "    src = ''.join(linecache.cache['<submission>'][2])\n    return [src.count('expe' + 'cted'), len(src)]\n",
                      "python", "run")
    assert all(c.actual[0] == 0 and c.actual[1] > 100 for c in probe.cases), "the word 'expected' is not even in the program"


def test_faking_the_results_line_gains_nothing():
    problem = _problem("two_sum")
    fake = json.dumps([{"actual": [0, 1], "error": "", "ms": 0, "output": ""}] * 40)
    code = (f"import os\nos.write(5, b'\\n@@RESULTS@@ ' + {fake!r}.encode() + b'\\n')\nprint('@@RESULTS@@ [{{\"ok\": true}}]')\n"
            "def two_sum(nums, target):\n    return [0, 1]\n")
    report = run_tests(problem, code, "python", "submit")
    assert report.verdict == "failed" and report.passed < report.total


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_submit_never_shows_hidden_arguments_values_or_output(language):
    problem = _problem("two_sum")
    hidden_args = [json.dumps(c.args) for c in problem.hidden_tests]
    if language == "python":
        code = ("import sys\ndef two_sum(nums, target):\n    print('ARGS', nums, target)\n    sys.stderr.write('ARGS %r\\n' % (nums,))\n"
                "    raise ValueError('leak %r %r' % (nums, target))\n")
    else:
        code = ("function two_sum(nums, target) {\n  console.log('ARGS', JSON.stringify(nums));\n"
                "  process.stderr.write('ARGS ' + JSON.stringify(nums) + '\\n');\n  throw new Error('leak ' + JSON.stringify([nums, target]));\n}\n")
    report = run_tests(problem, code, language, "submit")
    shown = report.model_dump_json()
    assert report.verdict == "failed" and report.passed == 0
    assert "ARGS" not in shown and "leak" not in shown
    assert not any(a in shown for a in hidden_args)
    assert report.first_failure and report.first_failure.endswith(("(raised ValueError)", "(raised Error)"))
    run = run_tests(problem, code, language, "run")  # the visible examples still show everything, to debug with
    assert "leak" in (run.first_failure or "") and "ARGS" in run.cases[0].output


def test_a_program_raising_at_import_on_submit_shows_only_the_error_name():
    problem = _problem("two_sum")
    code = "import linecache\nraise RuntimeError(''.join(linecache.cache['<submission>'][2])[-300:])\n"
    report = run_tests(problem, code, "python", "submit")
    assert report.verdict == "failed" and report.message == "the program raised RuntimeError before the tests finished"
    assert not any(json.dumps(c.args) in report.model_dump_json() for c in problem.hidden_tests)


# A bounded wait for a runner


def test_a_submission_waits_a_bounded_time_for_a_runner_then_is_told_to_retry():
    with SandboxPool(1, wait=0.5) as pool:
        pool.start()
        slow = threading.Thread(target=pool.run, args=("import time\ntime.sleep(3)",), kwargs={"limits": Limits(timeout=5.0)})
        slow.start()
        time.sleep(0.3)
        assert pool.load()["running"] == 1
        t = time.monotonic()
        with pytest.raises(SandboxBusy) as exc:
            pool.run("print(1)", Limits(timeout=5.0))
        waited = time.monotonic() - t
        slow.join()
        assert pool.run("print(1)", Limits(timeout=5.0)).passed  # free again: runs
    assert 0.4 <= waited < 2.5 and exc.value.retry_after > 0 and "try again" in str(exc.value)


def test_the_queue_of_waiting_submissions_is_bounded():
    with SandboxPool(1, wait=5.0, queue_limit=1) as pool:
        pool.start()
        threads = [threading.Thread(target=pool.run, args=("import time\ntime.sleep(1.5)",), kwargs={"limits": Limits(timeout=5.0)})
                   for _ in range(2)]
        for th in threads:
            th.start()
            time.sleep(0.3)
        assert pool.load() == {"running": 1, "waiting": 1, "jobs": 1}
        t = time.monotonic()
        with pytest.raises(SandboxBusy):
            pool.run("print(1)", Limits(timeout=5.0))
        assert time.monotonic() - t < 0.5, "a full queue refuses at once"
        for th in threads:
            th.join()


def test_an_unproven_worker_refuses_unless_the_operator_opts_in(monkeypatch):
    from interview.coding import runner

    monkeypatch.setattr(runner.probe, "prove", lambda worker: {"proven": False, "reason": "no user namespaces", "checks": {}})
    with SandboxPool(1) as pool:
        with pytest.raises(SandboxUnsafe, match="INTERVIEW_SANDBOX_UNSAFE=on"):
            pool.run("print(1)")
        assert not isolation_report(pool)["proven"]
    with SandboxPool(1, allow_unsafe=True) as pool:
        assert pool.run("print(1)").stdout == "1\n"


def test_judge_is_off_when_isolation_is_not_proven(monkeypatch):
    from interview.coding import judge as judge_mod
    from interview.settings import Settings

    monkeypatch.setattr(judge_mod, "isolation_report", lambda pool: {"proven": False})
    monkeypatch.setattr(judge_mod.default_pool(), "allow_unsafe", False)  # restored after: the pool is process-wide
    assert judge_mod.judge_from_settings(Settings()) is None
    assert judge_mod.judge_from_settings(Settings(sandbox_unsafe=True)) is not None
    assert judge_mod.judge_from_settings(Settings(code_execution=False)) is None


def test_the_candidate_sees_the_queue_ahead_of_their_run():
    import types

    from ui import coding

    with SandboxPool(1, wait=5.0) as pool:
        pool.start()
        service = types.SimpleNamespace(judge=types.SimpleNamespace(pool=pool))
        assert coding._queue_note(service) == ""
        threads = [threading.Thread(target=pool.run, args=("import time\ntime.sleep(1.5)",), kwargs={"limits": Limits(timeout=5.0)})
                   for _ in range(3)]
        for th in threads:
            th.start()
            time.sleep(0.3)
        note = coding._queue_note(service)
        for th in threads:
            th.join()
    assert note == " (every code runner is busy: 2 runs ahead of yours)"
    assert coding._queue_note(types.SimpleNamespace(judge=None)) == ""


@needs_root
def test_a_submissions_processes_together_are_held_to_one_memory_limit():
    with SandboxPool(1) as pool:
        assert "memory cgroup" in isolation_report(pool)["mechanisms"]
        program = ("import os, time\nkids = []\nfor _ in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
                   "        block = bytearray(400 << 20)\n        for i in range(0, len(block), 4096):\n            block[i] = 1\n"
                   "        time.sleep(1)\n        os._exit(0)\n    kids.append(pid)\n"
                   "print(sum(os.waitpid(pid, 0)[1] == 9 for pid in kids))\n")
        result = pool.run(program, Limits(timeout=8.0))  # 4 x 400 MB, each under the 512 MB per process, 1.6 GB in all
        assert result.passed and int(result.stdout) >= 2, result  # 1 GB holds two of them at most: the others were killed
        crash = pool.run(program.replace("kids.append(pid)", "kids.append(pid)\nblock = bytearray(400 << 20)\n"
                                         "for i in range(0, len(block), 4096):\n    block[i] = 1"), Limits(timeout=8.0))
        assert crash.status in ("memory", "passed"), crash  # when the parent is the one killed, the verdict says why
        assert pool.run("print('still here')").stdout == "still here\n"


def test_asking_what_isolates_the_runner_never_waits_for_a_busy_one():
    with SandboxPool(1) as pool:
        pool.start()
        slow = threading.Thread(target=pool.run, args=("import time\ntime.sleep(2)",), kwargs={"limits": Limits(timeout=5.0)})
        slow.start()
        time.sleep(0.3)
        t = time.monotonic()
        report = isolation_report(pool)
        asked = time.monotonic() - t
        slow.join()
    assert report["proven"] and asked < 0.5
