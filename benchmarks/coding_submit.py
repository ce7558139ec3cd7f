"""What a coding exercise's Run and Submit cost on top of the sandbox run itself.

    python benchmarks/coding_submit.py [--rounds N]

For every problem in the bank, in Python and JavaScript, the reference solution is sent through the
session service (``run_code`` and ``submit_code``: copy, save, judge, assess, reply) and, as the
baseline in the same process, through ``run_tests`` alone (the same sandboxed test program, nothing
around it). Prints p50/p95 of each and the ratio: the app's own cost around the sandbox.
"""

from __future__ import annotations

import argparse
import statistics
import time

from interview import InterviewOptions, InterviewService, MemoryStore, Settings
from interview.coding import flow
from interview.coding.harness import run_tests
from interview.coding.judge import SandboxJudge
from interview.coding.problems import load_problems
from interview.coding.runner import SandboxPool, node_path
from interview.compose import build_service


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def _session(service: InterviewService, problem_id: str):
    state = service.start(InterviewOptions(role="software_engineer", num_questions=1, coding_questions=1))
    state.asked[0] = flow.new_asked(flow.problem_question(load_problems()[problem_id]), state.difficulty)
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the bank (default 3)")
    args = parser.parse_args()
    languages = ["python"] + (["javascript"] if node_path() else [])
    with SandboxPool() as pool:
        info = pool.info()
        judge = SandboxJudge(pool)
        service = build_service(Settings(), engine="offline", store=MemoryStore(), judge=judge)
        problems = list(load_problems().values())
        for p in problems:  # reference timings are measured once per problem and language: not part of the loop
            for lang in languages:
                judge.reference_large_ms(p, lang)
        times: dict[str, list[float]] = {k: [] for k in ("bare run", "app run", "bare submit", "app submit")}
        for _ in range(args.rounds):
            for p in problems:
                for lang in languages:
                    code = p.reference.get(lang)
                    for mode in ("run", "submit"):
                        t = time.perf_counter()
                        report = run_tests(p, code, lang, mode, pool=pool)
                        times[f"bare {mode}"].append((time.perf_counter() - t) * 1000)
                        assert report.verdict == "passed", (p.id, lang, mode, report.message)
                    state = _session(service, p.id)
                    t = time.perf_counter()
                    state, report = service.run_code(state, code, lang)
                    times["app run"].append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    result = service.submit_code(state, code, lang)
                    times["app submit"].append((time.perf_counter() - t) * 1000)
                    assert "All" in result.turn.reply, (p.id, lang, result.turn.reply)
    print(f"{len(problems)} problems x {', '.join(languages)} x {args.rounds} rounds, reference solutions, sandbox {info}")
    for name, values in times.items():
        print(f"{name:<12} n={len(values):<4} p50={statistics.median(values):7.1f} ms  p95={_p(values, 95):7.1f} ms")
    for mode in ("run", "submit"):
        ratio = statistics.median(times[f"app {mode}"]) / statistics.median(times[f"bare {mode}"])
        print(f"{mode}: app / bare sandbox run (p50) = {ratio:.2f}")


if __name__ == "__main__":
    main()
