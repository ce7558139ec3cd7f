"""Coding exercises on the command line: the simulated candidate submits the reference; practice takes :run/:submit FILE."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from interview import InterviewOptions, InterviewService
from interview.cli import practice
from interview.coding.problems import load_problems

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[1]
EXPLAIN = ("I iterate over the input once and keep what I need in a dictionary, because each lookup is then constant. "
           "It's O(n) time and O(n) space; an empty input or a single element returns early.")


def simulate(tmp_path, messages, *extra: str, env: dict[str, str] | None = None, role="software_engineer", questions=3) -> dict:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(messages), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "interview", "simulate", "--role", role, "--answers", str(path),
                           "--questions", str(questions), "--seed", "1", *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def coding_entries(data: dict) -> list[dict]:
    return [q for q in data["report"]["questions"] if q["kind"] == "coding"]


def test_simulate_with_coding_submits_the_reference_and_the_report_has_a_coding_result(tmp_path):
    data = simulate(tmp_path, ["I fixed a bug at work and we shipped it.", "skip", "skip"], "--coding", "1")
    [entry] = coding_entries(data)
    assert entry["coding"]["verdict"] == "passed" and entry["coding"]["passed"] == entry["coding"]["total"] > 0
    assert entry["coding"]["language"] == "python" and entry["status"] == "answered" and entry["score"] >= 70
    coding_turns = [t for t in data["turns"] if t["kind"] == "coding"]
    assert coding_turns[0]["intent"] == "code" and "tests pass" in coding_turns[0]["reply"]
    assert "complexity" in coding_turns[1]["message"] and coding_turns[1]["intent"] == "answer"
    # the scripted messages went to the other questions: all three were asked
    assert len(data["report"]["questions"]) == 3 and [t["message"] for t in data["turns"] if t["kind"] != "coding"][1] == "skip"


def test_simulate_coding_in_javascript_and_with_execution_off(tmp_path):
    [entry] = coding_entries(simulate(tmp_path, ["skip", "skip"], "--coding", "1", "--lang", "javascript", questions=2))
    assert entry["coding"]["language"] == "javascript" and entry["coding"]["verdict"] == "passed"
    [entry] = coding_entries(simulate(tmp_path, ["skip", "skip"], "--coding", "1", questions=2, env={"INTERVIEW_CODE_EXECUTION": "off"}))
    assert entry["coding"]["verdict"] == "not_run" and entry["status"] == "answered"


def test_simulate_without_a_technical_role_asks_no_coding(tmp_path):
    data = simulate(tmp_path, ["skip", "skip"], "--coding", "2", role="Customer Support Specialist", questions=2)
    assert coding_entries(data) == [] and all(t["kind"] != "coding" for t in data["turns"])


def _args(**kw) -> argparse.Namespace:
    base = dict(role="software_engineer", questions=1, seed=4, difficulty=2, job_description=None, engine="offline", coding=1, lang=None)
    base.update(kw)
    return argparse.Namespace(**base)


def _problem(args: argparse.Namespace):
    """The problem practice will ask (same options and seed give the same interview)."""
    state = InterviewService(judge=None).start(InterviewOptions(role=args.role, num_questions=args.questions, seed=args.seed,
                                                                start_difficulty=args.difficulty, coding_questions=args.coding))
    return load_problems()[state.current.code.problem_id]


def _practice(args, inputs):
    inputs, prompts, out = iter(inputs), [], []

    def read(prompt):
        prompts.append(prompt)
        try:
            return next(inputs)
        except StopIteration:
            raise EOFError from None

    state = practice(args, read=read, write=out.append)
    return state, prompts, "\n".join(out)


def test_practice_runs_and_submits_code_from_files(tmp_path):
    args = _args()
    problem = _problem(args)
    ref, wrong, ref_js = tmp_path / "ref.py", tmp_path / "wrong.py", tmp_path / "ref.js"
    ref.write_text(problem.reference.python, encoding="utf-8")
    wrong.write_text(problem.wrong.python, encoding="utf-8")
    ref_js.write_text(problem.reference.javascript, encoding="utf-8")
    state, prompts, text = _practice(args, [f":run {ref}", f":run {ref_js}", f":submit {wrong}", f":submit {ref}", EXPLAIN])
    n = len(problem.visible_tests)
    assert f"=== {problem.title}" in text and problem.statement in text and problem.signature.python in text
    assert ":run FILE" in text and prompts[0].endswith("· coding] You: ")
    assert text.count(f"Run: {n}/{n} examples passed (passed)") == 2 and text.count("  ok   ") >= 2 * n
    assert "(failed)]" in text and "[Submitted python:" in text and "fail" in text
    total = len(problem.hidden_tests) + (problem.large_test is not None)
    assert f"[Submitted python: {total}/{total} tests passed (passed)]" in text
    [entry] = state.asked
    assert entry.code.language == "python" and len(entry.code.submissions) == 2 and len(entry.code.attempts) == 4
    assert "# Interview feedback" in text and f"Coding exercise **{problem.title}** in python: {total}/{total} tests passed" in text


def test_practice_explains_bad_commands_and_keeps_going(tmp_path):
    args = _args()
    odd = tmp_path / "solution.txt"
    odd.write_text(_problem(args).reference.python, encoding="utf-8")
    state, _, text = _practice(args, [":frobnicate", f":run {tmp_path / 'missing.py'}", f":run {odd}", ":problem", "hint"])
    assert text.count(":submit FILE") >= 3  # shown with the problem, after the unknown command, and with :problem
    assert "Could not read" in text and "name it .py or .js" in text and "Here's a nudge" in text
    assert state.asked[0].code.attempts == []
    _, _, text = _practice(_args(lang="python"), [f":run {odd}"])
    assert "examples passed (passed)" in text


def test_practice_with_execution_off_records_submissions_without_running(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEW_CODE_EXECUTION", "off")
    args = _args()
    ref = tmp_path / "ref.py"
    ref.write_text(_problem(args).reference.python, encoding="utf-8")
    state, _, text = _practice(args, [f":run {ref}", f":submit {ref}"])
    assert "Code execution is turned off here" in text and "Run is not available" in text
    assert "[Submitted python: recorded, not run (code execution is off)]" in text
    assert state.asked[0].code.submissions[0].verdict == "not_run"


@pytest.mark.parametrize("command", ["practice", "simulate"])
def test_coding_is_in_the_help(command):
    proc = subprocess.run([sys.executable, "-m", "interview", command, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "--coding" in proc.stdout and "--lang" in proc.stdout


def test_practice_code_commands_on_a_question_without_code_say_so(tmp_path):
    state, _, text = _practice(_args(coding=0, questions=1), [f":run {tmp_path / 'a.py'}", ":problem"])
    assert text.count("not a coding exercise") == 2 and state.turns == []
