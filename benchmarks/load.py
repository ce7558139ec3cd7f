"""Load on the REST API: many candidates at once, then the same with a long code submission in flight.

    python benchmarks/load.py [--candidates 200] [--turns 10] [--think 8] [--submission-seconds 9.5 | --no-submission]
                              [--workers 1] [--embeddings on|off]

Starts ``python -m interview serve`` on a free 127.0.0.1 port (offline engine, a temp data directory) in a
subprocess, waits for the embedding model and warms up with one interview, then simulates candidates with one httpx
async client: each starts a session and sends ``--turns`` short, realistic answers, pausing 0 to twice ``--think``
seconds before each. Phase 1 is the idle baseline; phase 2 repeats it with fresh sessions while a code submission
that sleeps ``--submission-seconds`` is kept in flight the whole time (a new one as soon as one ends). Prints
p50/p95/p99 turn latency, errors, turns per second, the server's memory (RSS of the server and its workers) before
and after each phase and per session, and phase 2's p95 against phase 1's (goal: under 2x). Only 127.0.0.1 is
reached; every request has a timeout. Exits non-zero only on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = [
    "At my last job our checkout service failed for 5% of customers. I reproduced the bug from the logs, found a race "
    "condition, added a regression test, and errors dropped to zero within two days.",
    "I would first listen to the customer, check the account history, then fix what I can and escalate the rest.",
    "I split the work into small tasks, agreed the priorities with my manager, and reported progress every Friday.",
    "We had two weeks to ship; I cut the scope to the login flow, paired with a junior engineer and we made it.",
    "I'd measure first: profile the slow endpoint, add an index on the user id, then cache the results for a minute.",
    "I disagreed with my lead about the database, so I wrote a one-page comparison and we tried both on real data.",
    "hint",
    "I think we basically fixed it with the team and it was fine.",
    "I built a dashboard that cut reporting time by 40% over a quarter; I chose the metrics with the sales team.",
    "what do you mean?",
]
CODING = {"role": "software_engineer", "num_questions": 1, "coding_questions": 1, "seed": 4}
REQUEST_TIMEOUT = 120.0  # seconds: generous, since a queue is what is measured; a stuck server still ends the run


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank; 0 for no values."""
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (uvicorn's workers), in MB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


class Phase:
    """What one phase measured."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.turns: list[float] = []  # seconds, per turn
        self.errors: list[str] = []
        self.rss = (0.0, 0.0)
        self.seconds = 0.0
        self.sessions = 0
        self.submissions: list[tuple[float, str]] = []  # seconds and verdict (or error)


async def candidate(ac: httpx.AsyncClient, n: int, turns: int, think: float, phase: Phase) -> None:
    """One simulated candidate: start, then ``turns`` answers with a pause between them."""
    rng = random.Random(n)
    try:
        r = await ac.post("/sessions", json={"role": "software_engineer", "num_questions": 15, "seed": n})
        if r.status_code != 201:
            phase.errors.append(f"start: {r.status_code} {r.text[:120]}")
            return
        phase.sessions += 1
        sid, auth = r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}
        for _ in range(turns):
            await asyncio.sleep(rng.uniform(0, 2 * think))
            started = time.perf_counter()
            r = await ac.post(f"/sessions/{sid}/messages", json={"message": rng.choice(ANSWERS)}, headers=auth)
            phase.turns.append(time.perf_counter() - started)
            if r.status_code != 200:
                phase.errors.append(f"turn: {r.status_code} {r.text[:120]}")
    except httpx.HTTPError as exc:
        phase.errors.append(f"candidate {n}: {exc!r}")


async def keep_submitting(ac: httpx.AsyncClient, seconds: float, stop: asyncio.Event, phase: Phase) -> None:
    """Keep one code submission that sleeps ``seconds`` in flight until ``stop`` is set."""
    while not stop.is_set():
        r = await ac.post("/sessions", json=CODING)
        sid, auth = r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}
        problem = (await ac.get(f"/sessions/{sid}/code", headers=auth)).json()
        code = f"import time\ntime.sleep({seconds})\n\ndef {problem['function']}({', '.join(problem['params'])}):\n    return None\n"
        started = time.perf_counter()
        r = await ac.post(f"/sessions/{sid}/code/submit", json={"code": code, "language": "python"}, headers=auth)
        verdict = r.json()["submission"]["verdict"] if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:120]}"
        phase.submissions.append((time.perf_counter() - started, verdict))
        if r.status_code != 200:
            phase.errors.append(f"submission: {verdict}")
            return


async def run_phase(base: str, pid: int, name: str, args: argparse.Namespace, submit: bool) -> Phase:
    phase = Phase(name)
    # Idle connections are dropped before the server's keep-alive (5 s) ends, or a request could race its close.
    limits = httpx.Limits(max_connections=args.candidates + 5, max_keepalive_connections=args.candidates + 5, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT, limits=limits) as ac:
        before = rss_mb(pid)
        stop = asyncio.Event()
        background = asyncio.create_task(keep_submitting(ac, args.submission_seconds, stop, phase)) if submit else None
        if background is not None:
            await asyncio.sleep(0.5)  # the first submission is inside the sandbox before the candidates start
        started = time.perf_counter()
        await asyncio.gather(*(candidate(ac, i + (10_000 if submit else 0), args.turns, args.think, phase)
                               for i in range(args.candidates)))
        phase.seconds = time.perf_counter() - started
        stop.set()
        if background is not None:
            await background
        phase.rss = (before, rss_mb(pid))
    return phase


def start_server(port: int, data: Path, args: argparse.Namespace) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "INTERVIEW_"))}
    env.update({"INTERVIEW_DATA_DIR": str(data / "sessions"), "INTERVIEW_ENGINE": "offline"})
    embeddings = args.embeddings or os.environ.get("INTERVIEW_EMBEDDINGS")
    if embeddings:
        env["INTERVIEW_EMBEDDINGS"] = embeddings
    log = open(data / "server.log", "wb")  # the child keeps it open; it goes with the temp dir
    return subprocess.Popen([sys.executable, "-m", "interview", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(args.workers)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 180.0) -> dict:
    """Wait for /health, and for the embedding model to finish loading; then warm up with one short interview."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}")
        try:
            r = httpx.get(f"{base}/health", timeout=5)
            if r.status_code == 200 and r.json()["embeddings"] != "loading":
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    else:
        raise RuntimeError(f"the server was not ready within {timeout:.0f} s")
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as c:  # the bank, the rubric and the first embeddings load here
        for n in range(4):
            r = c.post("/sessions", json={"role": "software_engineer", "num_questions": 15, "seed": -1 - n})
            auth = {"Authorization": f"Bearer {r.json()['token']}"}
            for message in ANSWERS[:3]:
                c.post(f"/sessions/{r.json()['id']}/messages", json={"message": message}, headers=auth)
    return httpx.get(f"{base}/health", timeout=5).json()


def report(phase: Phase) -> None:
    ms = [t * 1000 for t in phase.turns]
    before, after = phase.rss
    per = (after - before) / phase.sessions if phase.sessions else 0.0
    print(f"{phase.name}: {len(ms)} turns over {phase.sessions} sessions in {phase.seconds:.1f} s "
          f"({len(ms) / phase.seconds if phase.seconds else 0:.0f} turns/s), errors {len(phase.errors)}")
    print(f"  turn latency ms: p50 {pct(ms, 50):.0f}, p95 {pct(ms, 95):.0f}, p99 {pct(ms, 99):.0f}, max {max(ms, default=0):.0f}")
    print(f"  server RSS MB: {before:.0f} before, {after:.0f} after, {per * 1024:+.0f} KB per session")
    if phase.submissions:
        times = ", ".join(f"{s:.1f} s ({v})" for s, v in phase.submissions)
        print(f"  code submissions in flight: {len(phase.submissions)}: {times}")
    for e in phase.errors[:5]:
        print(f"  error: {e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--turns", type=int, default=10, help="answers per candidate")
    parser.add_argument("--think", type=float, default=8.0,
                        help="mean seconds a candidate pauses before each answer (uniform, 0 to twice this)")
    parser.add_argument("--submission-seconds", type=float, default=9.5, help="how long the in-flight submission sleeps")
    parser.add_argument("--no-submission", action="store_true", help="phase 1 only")
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    parser.add_argument("--embeddings", choices=["on", "off"], help="INTERVIEW_EMBEDDINGS for the server (default: as here)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        port, data = free_port(), Path(tmp)
        base = f"http://127.0.0.1:{port}"
        proc = start_server(port, data, args)
        try:
            health = wait_ready(base, proc)
            print(f"server: {args.workers} worker(s), engine {health['engine']}, embeddings {health['embeddings']}, "
                  f"runner {health['runner']}")
            phases = [asyncio.run(run_phase(base, proc.pid, "idle", args, submit=False))]
            if not args.no_submission:
                phases.append(asyncio.run(run_phase(base, proc.pid, "with a code submission in flight", args, submit=True)))
        except RuntimeError as exc:
            print(f"error: {exc}\n{(data / 'server.log').read_text(errors='replace')[-3000:]}")
            return 1
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    for phase in phases:
        report(phase)
    if len(phases) == 2:
        idle, busy = (pct([t * 1000 for t in p.turns], 95) for p in phases)
        ratio = busy / idle if idle else float("inf")
        print(f"p95 with a submission in flight / idle p95: {ratio:.2f}x (goal: under 2x)")
    return 1 if any(p.errors for p in phases) else 0


if __name__ == "__main__":
    sys.exit(main())
