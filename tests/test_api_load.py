"""benchmarks/load.py keeps working: a tiny run against a real server, with and without a code submission in flight."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(*args: str) -> str:
    done = subprocess.run([sys.executable, "benchmarks/load.py", "--candidates", "5", "--turns", "2", "--think", "0.05",
                           "--embeddings", "off", *args], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.unit
def test_the_load_benchmark_runs_its_idle_phase():
    out = _load("--no-submission")
    assert "idle: 10 turns over 5 sessions" in out and "errors 0" in out and "p95" in out and "per session" in out
    assert "in flight" not in out


@pytest.mark.sandbox
def test_the_load_benchmark_keeps_a_submission_in_flight_and_compares_p95():
    out = _load("--submission-seconds", "1")
    assert "with a code submission in flight: 10 turns" in out and "code submissions in flight:" in out
    assert "idle p95:" in out and "errors 0" in out
