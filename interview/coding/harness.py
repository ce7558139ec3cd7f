"""Turn a candidate's code into a test program, run it in the sandbox, and judge what it returned: ``run_tests``.

The program is the candidate's code followed by a harness that calls the problem's function on each case's arguments
(deep-copied), captures what the candidate prints per case (capped), and writes one line ``@@RESULTS@@ {json}`` of
returned values on its own results fd (never stdout). **Expected values never enter the candidate's process**: the
harness carries only the arguments, and this module compares the returned values with the expected ones here, in the
server, by the problem's ``compare`` rule. So a program cannot read the answers from its own source, and faking the
results line gains nothing without the right values. Submit reports counts and the first failing case by its
description, never its arguments, the expected or the returned value, and never the program's output (which could
echo hidden arguments).

The sandbox's pass signal comes only after the harness ran, so a program that crashes or exits midway is never
"passed"; only the LAST results line is read. A determined cheat inside the interpreter (patching the harness's own
objects) can still misreport its timings: this judges practice answers, it is not an exam proctor.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal, TypedDict

from ..models import CaseResult, TestReport
from .problems import Problem, TestCase
from .runner import Limits, RunResult, SandboxPool, run_untrusted

MARKER = "@@RESULTS@@"
RESULTS_FD = 5  # the sandbox's results channel (see _worker.DATA_FD)
CASE_OUTPUT_CAP = 2_000  # characters of the candidate's own output kept per case
ACTUAL_CAP = 2_000  # a returned value longer than this (as JSON) is summarised when shown
OUTPUT_CAP = 8_000  # characters of stdout / stderr kept in the report


_PY_HARNESS = """

def __harness():
    import copy as _copy, io as _io, json as _json, os as _os, sys as _sys, time as _time
    _real_out = _sys.stdout
    _spec = _json.loads(%(spec)r)
    def _norm(v):
        try:
            return _json.loads(_json.dumps(v))
        except (TypeError, ValueError):
            return repr(v)
    fn = globals().get(_spec["function"])
    results = []
    for case in _spec["cases"]:
        buf = _io.StringIO()
        row = {"actual": None, "error": "", "ms": 0.0}
        if not callable(fn):
            row["error"] = "NameError: no function named %%s is defined" %% _spec["function"]
        else:
            args = _copy.deepcopy(case)
            _sys.stdout = buf
            t = _time.perf_counter()
            try:
                row["actual"] = _norm(fn(*args))
                row["ms"] = round((_time.perf_counter() - t) * 1000, 3)
            except RecursionError as exc:
                row["error"] = "RecursionError: %%s" %% exc
            except Exception as exc:
                row["error"] = ("%%s: %%s" %% (type(exc).__name__, exc)) if str(exc) else type(exc).__name__
            finally:
                _sys.stdout = _real_out
        row["output"] = buf.getvalue()[:%(cap)d]
        results.append(row)
    data = ("\\n%(marker)s " + _json.dumps(results) + "\\n").encode()
    while data:
        data = data[_os.write(%(fd)d, data):]

__harness()
"""

_JS_HARNESS = """
;(() => {
  const spec = JSON.parse(%(spec)s);
  const fs = require('fs');
  const norm = (v) => { if (v === undefined) return null; try { return JSON.parse(JSON.stringify(v)); } catch (e) { return String(v); } };
  let fn;
  try { fn = %(function)s; } catch (e) { fn = undefined; }
  const results = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'];
  const saved = methods.map((m) => console[m]);
  const util = require('util');
  for (const c of spec.cases) {
    let out = '';
    const row = { actual: null, error: '', ms: 0 };
    if (typeof fn !== 'function') {
      row.error = 'ReferenceError: no function named ' + spec.function + ' is defined';
    } else {
      const args = JSON.parse(JSON.stringify(c));
      methods.forEach((m) => { console[m] = (...xs) => { if (out.length < %(cap)d) out += util.format(...xs) + '\\n'; }; });
      const t = performance.now();
      try {
        row.actual = norm(fn(...args));
        row.ms = Math.round((performance.now() - t) * 1000) / 1000;
      } catch (e) {
        row.error = (e && e.name ? e.name + ': ' + e.message : 'Uncaught ' + String(e));
      } finally {
        methods.forEach((m, i) => { console[m] = saved[i]; });
      }
    }
    row.output = out.slice(0, %(cap)d);
    results.push(row);
  }
  fs.writeSync(%(fd)d, '\\n%(marker)s ' + JSON.stringify(results) + '\\n');
})();
"""  # noqa: E501 - JavaScript, kept as it runs


def build_program(problem: Problem, code: str, language: str, *, cases: list[TestCase]) -> str:
    """The candidate's code plus a harness calling the function on each case's arguments (nothing else of the case)."""
    spec = json.dumps({"function": problem.function, "cases": [c.args for c in cases]})
    values = {"cap": CASE_OUTPUT_CAP, "marker": MARKER, "fd": RESULTS_FD}
    if language == "python":
        return code.rstrip() + "\n" + _PY_HARNESS % {"spec": spec, **values}
    if language == "javascript":
        return code.rstrip() + "\n" + _JS_HARNESS % {"spec": json.dumps(spec), "function": problem.function, **values}
    raise ValueError(f"Unknown language {language!r}")


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _equal(a: Any, b: Any, tolerant: bool = False) -> bool:
    """JSON values equal: numbers by value (2 == 2.0; within 1e-6 when ``tolerant``), booleans only to booleans."""
    if _number(a) and _number(b):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6) if tolerant else a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y, tolerant) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k], tolerant) for k in a)
    return type(a) is type(b) and a == b


def _canon(v: Any) -> str:
    def norm(x: Any) -> Any:
        if isinstance(x, float) and x.is_integer():
            return int(x)
        if isinstance(x, list):
            return [norm(y) for y in x]
        if isinstance(x, dict):
            return {k: norm(y) for k, y in x.items()}
        return x

    return json.dumps(norm(v), sort_keys=True)


def same(actual: Any, expected: Any, compare: str) -> bool:
    """Whether a returned value matches the expected one under the problem's rule (exact, float, unordered)."""
    if compare == "float":
        return _equal(actual, expected, tolerant=True)
    if compare == "unordered" and isinstance(actual, list) and isinstance(expected, list):
        return sorted(map(_canon, actual)) == sorted(map(_canon, expected))
    return _equal(actual, expected)


def _shown(value: Any) -> Any:
    text = json.dumps(value)
    return value if len(text) <= ACTUAL_CAP else f"({len(text)} characters of JSON: too long to show)"


def _results(data: str) -> list[dict] | None:
    """The LAST marker line's results on the results fd (a candidate's earlier fake lines are ignored), or None."""
    for line in reversed(data.splitlines()):
        if line.startswith(MARKER + " "):
            try:
                rows = json.loads(line[len(MARKER) + 1 :])
            except ValueError:
                return None
            return rows if isinstance(rows, list) and all(isinstance(r, dict) for r in rows) else None
    return None


class _Output(TypedDict):
    """The fields of a TestReport that come from the run itself, whatever the verdict."""

    stdout: str
    stderr: str
    duration_ms: float
    total: int


def _kind(message: str) -> str:
    """Only the exception's name of a failure message (a hidden test's message could carry its arguments)."""
    head = message.split(":", 1)[0].split(" (", 1)[0].strip()
    return head if head.isidentifier() else "an error"


def run_tests(
    problem: Problem,
    code: str,
    language: str,
    mode: Literal["run", "submit"] = "run",
    *,
    pool: SandboxPool | None = None,
    limits: Limits | None = None,
) -> TestReport:
    """Run the visible tests ("run": every case shown) or the hidden ones and the large test ("submit": counts only)."""
    cases = _cases(problem, mode)
    limits = limits or Limits(timeout=10.0 if mode == "submit" else 5.0)
    program = build_program(problem, code, language, cases=cases)
    result = run_untrusted(program, language=language, limits=limits, pool=pool)
    hidden = mode == "submit"
    base: _Output = {
        "stdout": "" if hidden else result.stdout[:OUTPUT_CAP],
        "stderr": "" if hidden else result.stderr[:OUTPUT_CAP],
        "duration_ms": result.duration_ms,
        "total": len(cases),
    }
    rows = _results(result.data) if result.status == "passed" and not result.data_truncated else None
    if rows is None or len(rows) != len(cases):
        return _unfinished(result, hidden, base)
    oks = [
        not r.get("error") and same(r.get("actual"), c.expected, problem.compare)
        for c, r in zip(cases, rows, strict=True)
    ]
    first = next((i for i, ok in enumerate(oks) if not ok), None)
    report = TestReport(verdict="passed" if first is None else "failed", passed=sum(oks), **base)
    if not hidden:
        _show_cases(report, cases, rows, oks, first)
    else:
        _show_hidden(report, problem, cases, rows, first)
    if first is not None:
        report.message = report.first_failure or ""
    return report


def _cases(problem: Problem, mode: Literal["run", "submit"]) -> list[TestCase]:
    """The visible cases for a run; the hidden ones and then the large one (if any) for a submit."""
    if mode == "run":
        return list(problem.visible_tests)
    cases = list(problem.hidden_tests)
    large = problem.large_case()
    if large is not None:
        cases.append(large)
    return cases


def _unfinished(result: RunResult, hidden: bool, base: _Output) -> TestReport:
    """The report of a program that did not give one result per case (it crashed, timed out or returned too much)."""
    status = result.status if result.status != "passed" else "crashed"
    message = result.message or "the test harness did not report results"
    if result.data_truncated:
        message = "the returned values were too large to check"
    elif hidden and status == "failed":
        message = f"the program raised {_kind(message)} before the tests finished"
    return TestReport(verdict=status, message=message, first_failure=message, **base)


def _show_cases(
    report: TestReport, cases: list[TestCase], rows: list[dict], oks: list[bool], first: int | None
) -> None:
    """Fill in every visible case (arguments, expected and returned values, output) and the first failure."""
    report.cases = [
        CaseResult(
            input=c.args,
            expected=c.expected,
            actual=_shown(r.get("actual")),
            ok=ok,
            error=str(r.get("error") or ""),
            output=str(r.get("output") or ""),
            ms=float(r.get("ms") or 0),
        )
        for c, r, ok in zip(cases, rows, oks, strict=True)
    ]
    if first is not None:
        r = rows[first]
        report.first_failure = f"case {first + 1}: " + (
            r["error"]
            if r.get("error")
            else f"expected {json.dumps(cases[first].expected)}, got {json.dumps(_shown(r.get('actual')))}"
        )


def _show_hidden(
    report: TestReport, problem: Problem, cases: list[TestCase], rows: list[dict], first: int | None
) -> None:
    """Name the first failing hidden case by its description only, and time the large test."""
    if first is not None:
        error = str(rows[first].get("error") or "")
        what = cases[first].note or f"hidden test {first + 1}"
        report.first_failure = what + (f" (raised {_kind(error)})" if error else " (wrong result)")
    if problem.large_test is not None:
        report.large_ms = float(rows[-1].get("ms") or 0)


__all__ = ["MARKER", "CaseResult", "TestReport", "build_program", "run_tests", "same"]
