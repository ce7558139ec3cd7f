"""The sandbox runner: each hostile program gets the right verdict and leaves the machine unharmed."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interview.coding.runner import Limits, SandboxPool, humaneval_program, network_isolated, read_jsonl, run_untrusted

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[1]
# The first three HumanEval records (MIT licence, see ../shared/data/humaneval/LICENSE), kept here so a clean clone runs.
HUMANEVAL = ROOT / "tests" / "data" / "humaneval_sample.jsonl"
FAST = Limits(timeout=1.0)
SLACK = 10.0  # seconds over a time limit a timed-out run may take: far under the 60 s the program would run


def _uid_processes(uid: int) -> list[int]:
    """Pids of live processes running as uid."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
            if str(uid) in uids and "State:\tZ" not in status:
                pids.append(int(entry.name))
    return pids


def _no_leftovers(pgid: int | None = None) -> None:
    if os.geteuid() == 0:  # children run as sandbox uids 64000+: none may be left
        deadline = time.monotonic() + 10
        while any(_uid_processes(u) for u in range(64000, 64016)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_uid_processes(u) for u in range(64000, 64016))
    if pgid is not None:  # nothing alive (zombie or not) is left in the submission's process group
        deadline = time.monotonic() + 10
        while _group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _group_members(pgid)


def _group_members(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def _spawns_fine() -> None:
    assert subprocess.run(["true"], check=False).returncode == 0


def _pid_of(program_result_stdout: str) -> int:
    return int(program_result_stdout.split()[0])


def test_correct_solution_passes():
    r = run_untrusted("def add(a, b):\n    return a + b\n\nassert add(1, 2) == 3\n")
    assert r.status == "passed", r


def test_wrong_solution_fails_with_first_failing_case():
    r = run_untrusted("def add(a, b):\n    return a - b\n\nassert add(0, 0) == 0\nassert add(1, 2) == 3\nassert add(2, 2) == 4\n")
    assert r.status == "failed"
    assert "line 5" in r.message and "add(1, 2) == 3" in r.message


def test_syntax_error_is_error():
    r = run_untrusted("def add(a, b)\n    return a + b\n")
    assert r.status == "error" and "SyntaxError" in r.message


def test_infinite_loop_times_out_and_its_group_is_gone():
    t = time.monotonic()
    r = run_untrusted("import os\nprint(os.getpid(), flush=True)\nwhile True:\n    pass\n", limits=FAST)
    assert r.status == "timeout"
    assert time.monotonic() - t < FAST.timeout + SLACK
    _no_leftovers(_pid_of(r.stdout))


def test_long_sleep_times_out():
    t = time.monotonic()
    r = run_untrusted("import time\ntime.sleep(60)\n", limits=FAST)
    assert r.status == "timeout" and time.monotonic() - t < FAST.timeout + SLACK
    _no_leftovers()


def test_memory_bomb_is_memory():
    r = run_untrusted("chunks = []\nwhile True:\n    chunks.append(bytearray(50 << 20))\n", limits=Limits(timeout=5, memory_mb=256))
    assert r.status == "memory", r
    _spawns_fine()


def test_fork_bomb_is_contained():
    program = "import os\nprint(os.getpid(), flush=True)\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    r = run_untrusted(program, limits=Limits(timeout=1.0, max_processes=16))
    assert r.status != "passed"
    _no_leftovers(_pid_of(r.stdout))
    _spawns_fine()
    assert run_untrusted("assert True").status == "passed"


def test_background_child_does_not_outlive_the_run():
    program = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\n"
    r = run_untrusted(program, limits=FAST)
    assert r.status == "passed"
    _no_leftovers()  # as root: checks the sandbox uids; otherwise only the verdict is checked (no sweep without root)


@pytest.mark.parametrize("exit_call", ["import sys; sys.exit(0)", "import os; os._exit(0)", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
                                       "import os; os.close(3)"])
def test_exiting_before_the_tests_never_passes(exit_call):
    r = run_untrusted(f"def f():\n    return 1\n\n{exit_call}\nassert f() == 2\n")
    assert r.status in ("failed", "crashed"), r


def test_output_flood_is_capped_and_verdict_reflects_tests():
    limits = Limits(timeout=5, max_output_bytes=10_000)
    ok = run_untrusted("for i in range(200_000):\n    print('flood', i)\nassert True\n", limits=limits)
    assert ok.status == "passed" and ok.output_truncated and len(ok.stdout) <= 10_000
    bad = run_untrusted("for i in range(200_000):\n    print('flood', i)\nassert 1 == 2\n", limits=limits)
    assert bad.status == "failed" and bad.output_truncated


ENV_DUMP = {"python": "import os\nprint(dict(os.environ))\n", "javascript": "console.log(JSON.stringify(process.env));\n"}


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_server_environment_is_not_visible(monkeypatch, language):
    monkeypatch.setenv("GROQ_API_KEY", "sekrit")
    with SandboxPool(1) as pool:  # workers started after the key was set still do not see it
        r = pool.run(ENV_DUMP[language], FAST, language=language)
    assert r.status == "passed", r
    assert "PATH" in r.stdout
    assert "sekrit" not in r.stdout + r.stderr + r.message and "GROQ" not in r.stdout


def _write_everywhere(language: str, targets: list[Path]) -> str:
    if language == "python":
        program = "written = []\n" + "".join(
            f"try:\n    open({str(t)!r}, 'w').write('x')\n    written.append({str(t)!r})\nexcept OSError:\n    pass\n" for t in targets)
        return program + "open('inside.txt', 'w').write('ok')\nprint(written)\n"
    program = "const fs = require('fs');\nconst written = [];\n" + "".join(
        f"try {{ fs.writeFileSync({json.dumps(str(t))}, 'x'); written.push({json.dumps(str(t))}); }} catch (e) {{}}\n" for t in targets)
    return program + "fs.writeFileSync('inside.txt', 'ok');\nconsole.log(written);\n"


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_writes_outside_its_directory_do_not_reach_the_server(language):
    name = f"outside-{language}-{secrets.token_hex(6)}"
    targets = [Path("/tmp") / name, ROOT / name, Path.home() / name]
    r = run_untrusted(_write_everywhere(language, targets), language=language)
    assert r.status == "passed", r
    for t in targets:
        assert not t.exists(), f"{t} was written by the submission"


def test_network_is_cut_when_isolated():
    isolated = network_isolated()
    print(f"network_isolated() = {isolated}")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        r = run_untrusted(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n", limits=Limits(timeout=3))
    if isolated:  # where the host allows no namespace, nothing is claimed (and nothing skipped)
        assert r.status == "failed" and "Error" in r.message, r


def test_check_cli_on_humaneval_records(tmp_path):
    records = read_jsonl(HUMANEVAL)[:3]
    rows = [dict(records[0], completion=records[0]["canonical_solution"]),
            dict(records[1], completion="    return None\n"),
            dict(records[2], completion="    while True:\n        pass\n")]
    for row in rows:
        assert humaneval_program(row)
    path = tmp_path / "three.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = subprocess.run([sys.executable, "-m", "interview", "check", str(path), "--jobs", "2", "--timeout", "1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(x["task_id"], x["status"]) for x in lines] == [(rows[0]["task_id"], "passed"), (rows[1]["task_id"], "failed"),
                                                            (rows[2]["task_id"], "timeout")]
    assert all(isinstance(x["duration_ms"], float | int) for x in lines)


# JavaScript: the same sandbox, with node

JS_FAST = Limits(timeout=1.5)


def test_js_correct_solution_passes():
    r = run_untrusted("function add(a, b) { return a + b; }\nif (add(1, 2) !== 3) throw new Error('bad');\nconsole.log('ok');\n", language="javascript")
    assert r.status == "passed", r
    assert r.stdout == "ok\n"


def test_js_wrong_solution_fails_with_first_failing_case():
    program = ("const assert = require('assert');\nfunction add(a, b) { return a - b; }\nassert.strictEqual(add(0, 0), 0);\n"
               "assert.strictEqual(add(1, 2), 3, 'add(1, 2)');\nassert.strictEqual(add(2, 2), 4);\n")
    r = run_untrusted(program, language="javascript")
    assert r.status == "failed", r
    assert "line 4" in r.message and "add(1, 2)" in r.message


def test_js_syntax_error_is_error():
    r = run_untrusted("function add(a, b {\n  return a + b;\n}\n", language="javascript")
    assert r.status == "error" and "SyntaxError" in r.message, r


def test_js_infinite_loop_times_out():
    t = time.monotonic()
    r = run_untrusted("console.log(process.pid);\nwhile (true) {}\n", language="javascript", limits=JS_FAST)
    assert r.status == "timeout", r
    assert time.monotonic() - t < JS_FAST.timeout + SLACK
    _no_leftovers(_pid_of(r.stdout))


def test_js_memory_bomb_is_memory():
    r = run_untrusted("const a = [];\nwhile (true) { a.push(new Array(1e6).fill(1.5)); }\n", language="javascript",
                      limits=Limits(timeout=5, memory_mb=256))
    assert r.status == "memory", r
    _spawns_fine()


@pytest.mark.parametrize("exit_call", ["process.exit(0);", "process.kill(process.pid, 'SIGKILL');", "require('fs').closeSync(3);"])
def test_js_exiting_before_the_tests_never_passes(exit_call):
    r = run_untrusted(f"function f() {{ return 1; }}\n{exit_call}\nif (f() !== 2) throw new Error('f');\n", language="javascript")
    assert r.status in ("failed", "crashed"), r


def test_unknown_language_is_refused():
    with pytest.raises(Exception, match="not supported"):
        run_untrusted("x", language="cobol")
