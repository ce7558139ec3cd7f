"""The code-judging protocol the session service uses, and its sandboxed implementation.

``SandboxJudge`` runs candidates' code through ``run_untrusted`` (see the runner's docstring for what
that protects and what it does not). A service without a judge has code execution turned off:
submissions are still recorded and discussed, never run.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from ..models import TestReport
from .harness import run_tests
from .problems import Problem
from .runner import Limits, SandboxPool, default_pool, isolation_report

if TYPE_CHECKING:
    from ..settings import Settings


@runtime_checkable
class Judge(Protocol):
    """Runs a candidate's code against a problem's tests."""

    def run(self, problem: Problem, code: str, language: str, mode: Literal["run", "submit"]) -> TestReport:
        """Run the visible tests ("run") or the hidden ones with the large input ("submit")."""
        ...

    def reference_large_ms(self, problem: Problem, language: str) -> float | None:
        """Return the reference solution's time on the large input (None if the problem has none)."""
        ...


class SandboxJudge:
    """Judge in the sandbox pool (the process-wide one unless given), timing each reference once per language."""

    def __init__(self, pool: SandboxPool | None = None, limits: Limits | None = None) -> None:
        self._pool = pool
        self.limits = limits
        self._reference: dict[tuple[str, str], float | None] = {}
        self._lock = threading.Lock()

    @property
    def pool(self) -> SandboxPool:
        return self._pool or default_pool()

    def run(self, problem: Problem, code: str, language: str, mode: Literal["run", "submit"]) -> TestReport:
        """Run the tests in the sandbox."""
        return run_tests(problem, code, language, mode, pool=self.pool, limits=self.limits)

    def reference_large_ms(self, problem: Problem, language: str) -> float | None:
        """The best of two reference runs on the large input, measured once per process."""
        if problem.large_test is None:
            return None
        key = (problem.id, language)
        with self._lock:
            if key in self._reference:
                return self._reference[key]
        times = []
        for _ in range(2):
            report = run_tests(problem, problem.reference.get(language), language, "submit", pool=self.pool)
            if report.verdict == "passed" and report.large_ms is not None:
                times.append(report.large_ms)
        best = min(times) if times else None
        with self._lock:
            self._reference[key] = best
        return best


@lru_cache(maxsize=1)
def default_judge() -> SandboxJudge:
    """The process-wide judge on the process-wide sandbox pool (reference timings are shared)."""
    return SandboxJudge()


def judge_from_settings(settings: Settings) -> Judge | None:
    """The judge the settings ask for: None when code execution is turned off, or when the sandbox could not prove its
    isolation on this host (fail closed; ``isolation_report()`` says why) and the operator did not opt in to run anyway."""
    if not settings.code_execution:
        return None
    pool = default_pool()
    pool.allow_unsafe = settings.sandbox_unsafe
    if not pool.allow_unsafe and not isolation_report(pool)["proven"]:
        return None
    return default_judge()


__all__ = ["Judge", "SandboxJudge", "default_judge", "judge_from_settings"]
