"""HumanEval through the sandbox runner vs. a no-isolation baseline (one multiprocessing fork per problem, exec in-process).

    python benchmarks/runner_humaneval.py [--jobs N]

Every canonical solution must pass; a corrupted variant of each (the body replaced by ``return None``) must not.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from interview.coding.runner import Limits, SandboxPool, humaneval_program, read_jsonl

ROOT = Path(__file__).resolve().parents[1]

DATA = ROOT.parent / "shared" / "data" / "humaneval" / "HumanEval.jsonl.gz"
CORRUPT = "    return None\n"


def _exec(program: str, conn) -> None:
    try:
        exec(program, {"__name__": "__main__"})
        conn.send("passed")
    except BaseException:  # noqa: BLE001 - baseline: any failure is a failure
        conn.send("failed")


def baseline_one(program: str, timeout: float) -> str:
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_exec, args=(program, send))
    p.start()
    send.close()
    p.join(timeout)
    if p.is_alive():
        p.kill()
        p.join()
        return "timeout"
    return recv.recv() if recv.poll() else "failed"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    records = read_jsonl(DATA)
    good = [humaneval_program(r, r["canonical_solution"]) for r in records]
    bad = [humaneval_program(r, CORRUPT) for r in records]
    n = len(records)

    t = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as ex:
        base = list(ex.map(lambda p: baseline_one(p, args.timeout), good))
    base_s = time.perf_counter() - t

    t = time.perf_counter()
    pool = SandboxPool(args.jobs).start()
    start_s = time.perf_counter() - t
    with pool:
        info = pool.info()
        limits = Limits(timeout=args.timeout)
        t = time.perf_counter()
        ok = pool.run_many(good, limits)
        run_s = time.perf_counter() - t
        wrong = pool.run_many(bad, limits)

    passed = sum(r.passed for r in ok)
    base_passed = sum(s == "passed" for s in base)
    still = [records[i]["task_id"] for i, r in enumerate(wrong) if r.passed]
    print(f"HumanEval: {n} problems, jobs={args.jobs}, isolation={info}")
    print(f"baseline (fork per problem, exec in-process, no isolation): {base_s:.3f} s, {base_s / n * 1000:.2f} ms/problem, passed {base_passed}/{n}")
    print(f"runner (warm workers, fork per submission, sandboxed):     {run_s:.3f} s, {run_s / n * 1000:.2f} ms/problem, passed {passed}/{n}"
          f" (+ {start_s:.3f} s to start {args.jobs} workers once)")
    print(f"ratio runner/baseline: {run_s / base_s:.2f} (goal <= 1.0: {'met' if run_s <= base_s else 'missed'})")
    print(f"corrupted ('return None' body): {sum(not r.passed for r in wrong)}/{n} rejected; still passing: {still or 'none'}")
    failing = [(records[i]["task_id"], r.status, r.message[:120]) for i, r in enumerate(ok) if not r.passed]
    for item in failing:
        print("canonical not passing:", *item)
    statuses: dict[str, int] = {}
    for r in wrong:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    print(f"corrupted verdicts: {statuses}")


if __name__ == "__main__":
    main()
