"""Turn a candidate's code into a test program, run it in the sandbox, and read back a report: ``run_tests``.

The program is the candidate's code followed by a harness that calls the problem's function on each case (arguments
deep-copied), compares by the problem's ``compare`` rule, captures what the candidate prints per case (capped), and
finally writes one line ``@@RESULTS@@ {json}`` to stdout. The sandbox's pass signal comes only after that line, so a
program that crashes or exits midway is never "passed".

Limit: the results line travels on the same stdout the candidate can write to. A candidate printing a fake
``@@RESULTS@@`` line is not believed because only the LAST marker line is read, and only when the runner says the
program ran to completion (verdict passed); the harness prints its line after all the candidate's code ran. A
determined cheat inside the same interpreter (patching ``print``/``json`` or the harness's own objects) is not
stopped: this judges practice answers, it is not an exam proctor.
"""

from __future__ import annotations

import json
from typing import Literal, TypedDict

from ..models import CaseResult, TestReport
from .problems import Problem, TestCase
from .runner import Limits, SandboxPool, run_untrusted

MARKER = "@@RESULTS@@"
CASE_OUTPUT_CAP = 2_000  # characters of the candidate's own output kept per case
ACTUAL_CAP = 2_000  # a returned value longer than this (as JSON) is summarised: the whole report must fit the output cap
OUTPUT_CAP = 8_000  # characters of stdout / stderr kept in the report


_PY_HARNESS = '''

def __harness():
    import copy as _copy, io as _io, json as _json, math as _math, sys as _sys, time as _time
    _real_out = _sys.stdout
    _spec = _json.loads(%(spec)r)
    def _norm(v):
        try:
            return _json.loads(_json.dumps(v))
        except (TypeError, ValueError):
            return repr(v)
    def _close(a, b):
        if isinstance(a, bool) or isinstance(b, bool):
            return a == b
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return _math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
        return a == b
    def _same(actual, expected):
        if _spec["compare"] == "float":
            return _close(actual, expected)
        if _spec["compare"] == "unordered" and isinstance(actual, list) and isinstance(expected, list):
            key = lambda v: _json.dumps(v, sort_keys=True)
            return sorted(map(key, actual)) == sorted(map(key, expected))
        return actual == expected
    fn = globals().get(_spec["function"])
    results = []
    for case in _spec["cases"]:
        buf = _io.StringIO()
        row = {"ok": False, "actual": None, "error": "", "ms": 0.0}
        if not callable(fn):
            row["error"] = "NameError: no function named %%s is defined" %% _spec["function"]
        else:
            args = _copy.deepcopy(case["args"])
            _sys.stdout = buf
            t = _time.perf_counter()
            try:
                actual = _norm(fn(*args))
                row["ms"] = round((_time.perf_counter() - t) * 1000, 3)
                shown = _json.dumps(actual)
                row["actual"] = actual if len(shown) <= %(actual_cap)d else "(%%d characters of JSON: too long to show)" %% len(shown)
                row["ok"] = _same(actual, case["expected"])
            except RecursionError as exc:
                row["error"] = "RecursionError: %%s" %% exc
            except Exception as exc:
                row["error"] = ("%%s: %%s" %% (type(exc).__name__, exc)) if str(exc) else type(exc).__name__
            finally:
                _sys.stdout = _real_out
        row["output"] = buf.getvalue()[:%(cap)d]
        results.append(row)
    _real_out.write("\\n%(marker)s " + _json.dumps(results) + "\\n")
    _real_out.flush()

__harness()
'''

_JS_HARNESS = '''
;(() => {
  const spec = JSON.parse(%(spec)s);
  const fs = require('fs');
  const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x))
    ? Object.keys(x).sort().reduce((o, key) => { o[key] = x[key]; return o; }, {}) : x);
  const norm = (v) => { if (v === undefined) return null; try { return JSON.parse(JSON.stringify(v)); } catch (e) { return String(v); } };
  const close = (a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i]));
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
      return canon(ka) === canon(kb) && ka.every((k) => close(a[k], b[k]));
    }
    return canon(a) === canon(b);
  };
  const same = (actual, expected) => {
    if (spec.compare === 'float') return close(actual, expected);
    if (spec.compare === 'unordered' && Array.isArray(actual) && Array.isArray(expected)) {
      return canon(actual.map(canon).sort()) === canon(expected.map(canon).sort());
    }
    return canon(actual) === canon(expected);
  };
  let fn;
  try { fn = %(function)s; } catch (e) { fn = undefined; }
  const results = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'];
  const saved = methods.map((m) => console[m]);
  const util = require('util');
  for (const c of spec.cases) {
    let out = '';
    const row = { ok: false, actual: null, error: '', ms: 0 };
    if (typeof fn !== 'function') {
      row.error = 'ReferenceError: no function named ' + spec.function + ' is defined';
    } else {
      const args = JSON.parse(JSON.stringify(c.args));
      methods.forEach((m) => { console[m] = (...xs) => { if (out.length < %(cap)d) out += util.format(...xs) + '\\n'; }; });
      const t = performance.now();
      try {
        const actual = norm(fn(...args));
        row.ms = Math.round((performance.now() - t) * 1000) / 1000;
        const shown = JSON.stringify(actual) || '';
        row.actual = shown.length <= %(actual_cap)d ? actual : '(' + shown.length + ' characters of JSON: too long to show)';
        row.ok = same(actual, c.expected);
      } catch (e) {
        row.error = (e && e.name ? e.name + ': ' + e.message : 'Uncaught ' + String(e));
      } finally {
        methods.forEach((m, i) => { console[m] = saved[i]; });
      }
    }
    row.output = out.slice(0, %(cap)d);
    results.push(row);
  }
  fs.writeSync(1, '\\n%(marker)s ' + JSON.stringify(results) + '\\n');
})();
'''


def build_program(problem: Problem, code: str, language: str, *, cases: list[TestCase], reveal: bool) -> str:
    """The candidate's code plus a harness running ``cases``; ``reveal`` only documents intent (results are filtered in Python)."""
    del reveal  # the program always reports per case; run_tests decides what the candidate sees
    spec = json.dumps({"function": problem.function, "compare": problem.compare,
                       "cases": [{"args": c.args, "expected": c.expected} for c in cases]})
    if language == "python":
        return code.rstrip() + "\n" + _PY_HARNESS % {"spec": spec, "cap": CASE_OUTPUT_CAP, "marker": MARKER, "actual_cap": ACTUAL_CAP}
    if language == "javascript":
        return code.rstrip() + "\n" + _JS_HARNESS % {"spec": json.dumps(spec), "cap": CASE_OUTPUT_CAP, "marker": MARKER,
                                                      "function": problem.function, "actual_cap": ACTUAL_CAP}
    raise ValueError(f"Unknown language {language!r}")


def _results(stdout: str) -> list[dict] | None:
    """The LAST marker line's results (a candidate's earlier fake lines are ignored), or None."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(MARKER + " "):
            try:
                rows = json.loads(line[len(MARKER) + 1:])
            except ValueError:
                return None
            return rows if isinstance(rows, list) else None
    return None


class _Output(TypedDict):
    """The fields of a TestReport that come from the run itself, whatever the verdict."""

    stdout: str
    stderr: str
    duration_ms: float
    total: int


def _strip_marker(stdout: str) -> str:
    return "\n".join(line for line in stdout.splitlines() if not line.startswith(MARKER)).strip("\n")


def run_tests(problem: Problem, code: str, language: str, mode: Literal["run", "submit"] = "run", *, pool: SandboxPool | None = None,
              limits: Limits | None = None) -> TestReport:
    """Run the visible tests ("run": every case shown) or the hidden ones plus the large test ("submit": counts only)."""
    if mode == "run":
        cases = list(problem.visible_tests)
    else:
        cases = list(problem.hidden_tests)
        large = problem.large_case()
        if large is not None:
            cases.append(large)
    limits = limits or Limits(timeout=10.0 if mode == "submit" else 5.0)
    program = build_program(problem, code, language, cases=cases, reveal=mode == "run")
    result = run_untrusted(program, language=language, limits=limits, pool=pool)
    base: _Output = {"stdout": _strip_marker(result.stdout)[:OUTPUT_CAP], "stderr": result.stderr[:OUTPUT_CAP], "duration_ms": result.duration_ms,
                     "total": len(cases)}
    rows = _results(result.stdout) if result.status == "passed" else None
    if rows is None or len(rows) != len(cases):
        status = result.status if result.status != "passed" else "crashed"
        message = result.message or "the test harness did not report results"
        return TestReport(verdict=status, message=message, first_failure=message, **base)
    passed = sum(1 for r in rows if r.get("ok") is True)
    first = next((i for i, r in enumerate(rows) if r.get("ok") is not True), None)
    report = TestReport(verdict="passed" if first is None else "failed", passed=passed, **base)
    if mode == "run":
        report.cases = [CaseResult(input=c.args, expected=c.expected, actual=r.get("actual"), ok=r.get("ok") is True,
                                   error=str(r.get("error") or ""), output=str(r.get("output") or ""), ms=float(r.get("ms") or 0))
                        for c, r in zip(cases, rows, strict=True)]
        if first is not None:
            r = rows[first]
            report.first_failure = f"case {first + 1}: " + (r["error"] if r.get("error") else
                                                             f"expected {json.dumps(cases[first].expected)}, got {json.dumps(r.get('actual'))}")
    else:
        if first is not None:
            r = rows[first]
            what = cases[first].note or f"hidden test {first + 1}"
            report.first_failure = what + (f" ({r['error']})" if r.get("error") else "")
        if problem.large_test is not None:
            report.large_ms = float(rows[-1].get("ms") or 0)
    if first is not None:
        report.message = report.first_failure or ""
    return report


__all__ = ["MARKER", "CaseResult", "TestReport", "build_program", "run_tests"]
