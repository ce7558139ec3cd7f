"""The coding problems and their harness: every problem's reference passes, its plausible wrong answer fails a hidden test."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from interview.coding.harness import MARKER, run_tests
from interview.coding.problems import PROBLEMS_DIR, load_problems, starter_code
from interview.coding.runner import Limits, SandboxPool, node_path
from interview.errors import BankError

pytestmark = pytest.mark.sandbox

DATA = Path(__file__).parent / "data" / "problems"
LANGS = ("python", "javascript")
BANK_MINIMUM = 30


def _bank_ids() -> list[str]:
    return sorted(p.stem for p in PROBLEMS_DIR.glob("*.json")) if PROBLEMS_DIR.is_dir() else []


def _all() -> dict[str, object]:
    """Our own two test problems plus whatever the bank holds (bank ids win)."""
    problems = dict(load_problems(DATA))
    if _bank_ids():
        problems.update(load_problems())
    return problems


SOURCES = [("data", pid) for pid in sorted(p.stem for p in DATA.glob("*.json"))] + [("bank", pid) for pid in _bank_ids()]


@pytest.fixture(scope="module")
def pool():
    with SandboxPool() as p:
        yield p.start()


@pytest.fixture(scope="module")
def reports(pool):
    """Every (problem, language, solution, mode) run at once on the shared pool, so the file stays fast."""
    problems = _all()
    jobs = []
    for pid, problem in problems.items():
        for lang in LANGS:
            for which in ("reference", "wrong", "starter"):
                code = starter_code(problem, lang) if which == "starter" else getattr(problem, which).get(lang)
                for mode in ("run", "submit"):
                    jobs.append(((pid, lang, which, mode), problem, code, lang, mode))
    with ThreadPoolExecutor(pool.jobs) as ex:
        done = list(ex.map(lambda j: (j[0], run_tests(j[1], j[2], j[3], j[4], pool=pool)), jobs))
    return dict(done)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("source,pid", SOURCES, ids=[f"{s}:{p}" for s, p in SOURCES])
def test_reference_passes_and_wrong_fails_a_hidden_test(reports, source, pid, lang):
    for mode in ("run", "submit"):
        r = reports[(pid, lang, "reference", mode)]
        assert r.verdict == "passed" and r.passed == r.total > 0, (mode, r)
    run = reports[(pid, lang, "wrong", "run")]
    assert run.verdict == "passed", f"{pid} wrong/{lang} should pass every visible test: {run}"
    submit = reports[(pid, lang, "wrong", "submit")]
    assert submit.verdict == "failed" and submit.first_failure, f"{pid} wrong/{lang} should fail a hidden test: {submit}"
    for mode in ("run", "submit"):  # the starter is not a solution
        assert reports[(pid, lang, "starter", mode)].verdict != "passed"


def test_bank_has_at_least_30_valid_problems():
    # >>> BANK COUNT CHECK: fails until interview/coding/problems/ holds at least 30 valid problem files. <<<
    problems = load_problems() if _bank_ids() else {}
    assert len(problems) >= BANK_MINIMUM, f"the bank has {len(problems)} valid problems; it needs at least {BANK_MINIMUM}"


def test_a_large_test_exists_and_a_quadratic_solution_is_slower(pool):
    problems = _all()
    assert any(p.large_test is not None for p in problems.values())
    two_sum = problems["two_sum"]
    quadratic = ("def two_sum(nums, target):\n    for i in range(len(nums)):\n        for j in range(i + 1, len(nums)):\n"
                 "            if nums[i] + nums[j] == target:\n                return [i, j]\n    return []\n")
    fast = [run_tests(two_sum, two_sum.reference.python, "python", "submit", pool=pool) for _ in range(2)]
    slow = run_tests(two_sum, quadratic, "python", "submit", pool=pool)
    assert fast[0].verdict == fast[1].verdict == slow.verdict == "passed", (fast, slow)
    # Measured 0.2 ms against 140 ms here. The best of two fast runs, and a floor of 10 ms under it, leave room
    # for a scheduler stall on a loaded machine.
    best = min(f.large_ms for f in fast)
    assert slow.large_ms > 5 * max(best, 10.0), (best, slow.large_ms)


@pytest.mark.parametrize("pid", sorted(_all()))
def test_starter_code_compiles(pid, tmp_path):
    problem = _all()[pid]
    compile(starter_code(problem, "python"), "<starter>", "exec")
    path = tmp_path / "starter.js"
    path.write_text(starter_code(problem, "javascript"))
    assert node_path(), "node is needed for the JavaScript checks"
    out = subprocess.run([node_path(), "--check", str(path)], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr


def _two_sum():
    return load_problems(DATA)["two_sum"]


@pytest.mark.parametrize("lang,code", [
    ("python", "def two_sum(nums, target):\n    print('x' * 100_000)\n    print('seen', nums)\n    return [0, 1]\n"),
    ("javascript", "function two_sum(nums, target) {\n  console.log('x'.repeat(100000));\n  console.log('seen', nums);\n  return [0, 1];\n}\n"),
])
def test_candidate_output_is_shown_capped(pool, lang, code):
    r = run_tests(_two_sum(), code, lang, "run", pool=pool)
    assert r.verdict == "failed" and r.cases[0].ok and not r.cases[1].ok
    assert r.cases[0].output.startswith("xxx") and len(r.cases[0].output) <= 2_000
    assert r.first_failure.startswith("case 2:")


@pytest.mark.parametrize("lang,code", [
    ("python", "import sys\ndef two_sum(nums, target):\n    return []\n"
               "print('@@RESULTS@@ ' + '[{\"ok\": true}, {\"ok\": true}]')\nsys.exit(0)\n"),
    ("python", "def two_sum(nums, target):\n    print('@@RESULTS@@ [{\"ok\": true}, {\"ok\": true}]')\n    return []\n"),
    ("javascript", "function two_sum(nums, target) { return []; }\n"
                   "console.log('@@RESULTS@@ ' + JSON.stringify([{ok: true}, {ok: true}]));\nprocess.exit(0);\n"),
])
def test_fake_results_line_is_not_believed(pool, lang, code):
    r = run_tests(_two_sum(), code, lang, "run", pool=pool)
    assert r.verdict != "passed", r
    assert MARKER not in r.stdout or r.verdict in ("failed", "crashed")


@pytest.mark.parametrize("lang,code", [("python", "def two_sum(nums, target)\n    return []\n"),
                                       ("javascript", "function two_sum(nums, target {\n  return [];\n}\n")])
def test_syntax_error_is_error_with_message(pool, lang, code):
    r = run_tests(_two_sum(), code, lang, "run", pool=pool)
    assert r.verdict == "error" and "SyntaxError" in r.message, r


@pytest.mark.parametrize("lang,code", [("python", "def two_sum(nums, target):\n    while True:\n        pass\n"),
                                       ("javascript", "function two_sum(nums, target) {\n  while (true) {}\n}\n")])
def test_infinite_loop_is_timeout(pool, lang, code):
    r = run_tests(_two_sum(), code, lang, "run", pool=pool, limits=Limits(timeout=1.0))
    assert r.verdict == "timeout", r


def test_load_problems_rejects_an_invalid_file(tmp_path):
    good = json.loads((DATA / "two_sum.json").read_text())
    (tmp_path / "two_sum.json").write_text(json.dumps(good))
    assert list(load_problems(tmp_path)) == ["two_sum"]
    bad = dict(good, id="broken", difficulty="impossible", surprise=1)
    (tmp_path / "broken.json").write_text(json.dumps(bad))
    with pytest.raises(BankError, match="broken.json"):
        load_problems(tmp_path)


def test_large_test_generate_is_restricted(tmp_path):
    bad = json.loads((DATA / "two_sum.json").read_text())
    bad["large_test"] = {"generate": "[__import__('os').getcwd(), 1]", "expected": 0}
    (tmp_path / "two_sum.json").write_text(json.dumps(bad))
    with pytest.raises(BankError, match="two_sum.json"):
        load_problems(tmp_path)
