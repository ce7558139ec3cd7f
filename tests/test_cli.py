"""The headless command line, run as a user would: ``python -m interview simulate|evaluate``."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from interview.cli import main
from interview.service import evaluate_answer
from interview.testing.reference_answers import CACHE_ANSWER, CACHE_REFERENCE, REF_QUESTION, STATIC_ANSWER, STATIC_REFERENCE

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
TURN_KEYS = {"question", "question_id", "kind", "difficulty", "follow_up", "message", "intent", "scored", "score", "engine"}
INTENTS = {"answer", "clarify", "hint", "repeat", "skip", "end", "off_topic", "out_of_scope", "manipulation", "empty", "gibberish"}
DIMENSIONS = ["relevance", "depth", "structure", "specificity", "ownership", "clarity"]

GOOD = ("At my last job our team had a serious problem and my goal was to fix it within two weeks. First I reproduced it "
        "from the logs, then I decided to talk to my manager and the customer, because the deadline was close. "
        "As a result, errors dropped by 40% in 3 weeks and I learned to measure before changing anything.")
WEAK = "It depends on the situation really."


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI's main() in this process, as ``python -m interview ARGS`` would: its output and exit status.

    In-process keeps the unit tier fast; ``run_process`` and the console-script test cover the real process.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse exits on bad arguments and on --help
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["interview", *args], code, out.getvalue(), err.getvalue())


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "interview", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def simulate(tmp_path, messages, *, role="software_engineer", questions=3, seed=1, name="answers.json"):
    path = tmp_path / name
    path.write_text(json.dumps(messages), encoding="utf-8")
    proc = run("simulate", "--role", role, "--answers", str(path), "--questions", str(questions), "--seed", str(seed))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc


def check_shape(data: dict) -> None:
    assert set(data) == {"role", "engine", "turns", "report"}
    assert isinstance(data["role"], str) and data["role"]
    assert data["engine"] == "offline"
    assert isinstance(data["turns"], list)
    for t in data["turns"]:
        assert TURN_KEYS <= set(t), f"missing {TURN_KEYS - set(t)}"
        assert isinstance(t["question"], str) and t["question"]
        assert isinstance(t["question_id"], str) and t["question_id"]
        assert t["kind"] in ("behavioral", "technical", "situational")
        assert isinstance(t["difficulty"], int) and 1 <= t["difficulty"] <= 5
        assert isinstance(t["follow_up"], bool)
        assert isinstance(t["message"], str)
        assert t["intent"] in INTENTS
        assert isinstance(t["scored"], bool)
        if t["scored"]:
            assert type(t["score"]) is int and 0 <= t["score"] <= 100
        else:
            assert t["score"] is None
        assert t["scored"] == (t["intent"] == "answer")
        assert t["engine"] == "offline"
    report = data["report"]
    assert "overall" in report
    assert report["overall"] is None or (type(report["overall"]) is int and 0 <= report["overall"] <= 100)


def test_simulate_prints_the_documented_json_shape(tmp_path):
    messages = [WEAK, "Hard to say, it varies a lot from case to case.", "Can I get a hint?", "skip", GOOD]
    data, proc = simulate(tmp_path, messages, role="customer_support", questions=3, seed=3)
    check_shape(data)
    assert proc.stderr == ""
    assert data["role"] == "Customer Support Specialist"
    turns = data["turns"]
    assert [t["message"] for t in turns] == messages  # every message was used, in order
    assert [t["intent"] for t in turns] == ["answer", "answer", "hint", "skip", "answer"]

    # The weak first answer draws a follow-up, and the next answer is marked as answering it.
    assert turns[0]["follow_up"] is False
    assert turns[1]["question_id"] == turns[0]["question_id"]
    assert turns[1]["follow_up"] is True
    assert turns[4]["question_id"] != turns[0]["question_id"]

    report = data["report"]
    scored = [t for t in turns if t["scored"]]
    assert report["overall"] is not None
    assert report["asked"] == 2
    assert report["answered"] == 2
    assert report["questions"][0]["score"] == turns[1]["score"]  # the question's score after its last answer
    assert report["questions"][1]["score"] == scored[-1]["score"]
    assert report["overall"] == round((turns[1]["score"] + turns[4]["score"]) / 2)


def test_simulate_ends_when_the_messages_run_out(tmp_path):
    data, _ = simulate(tmp_path, [GOOD, "skip"], questions=5, seed=2)
    check_shape(data)
    assert len(data["turns"]) == 2
    report = data["report"]
    assert report["asked"] < 5
    assert report["questions"][-1]["status"] == "unanswered"  # asked, but no message was left to answer it
    assert report["questions"][-1]["score"] is None
    assert report["answered"] == 1
    assert report["overall"] == data["turns"][0]["score"]
    assert any("5 planned" in n for n in report["notes"])


def test_simulate_stops_at_end_and_ignores_later_messages(tmp_path):
    data, _ = simulate(tmp_path, [GOOD, "I'd like to end the interview", GOOD, GOOD], questions=4, seed=2)
    check_shape(data)
    assert [t["intent"] for t in data["turns"]] == ["answer", "end"]
    # The answer either moved on (two questions put) or drew a follow-up (one); nothing after "end" counts.
    assert data["report"]["asked"] in (1, 2)
    assert data["report"]["answered"] == 1


def test_simulate_stops_after_the_last_question(tmp_path):
    data, _ = simulate(tmp_path, ["skip", "skip", "skip", "skip"], questions=2, seed=0)
    check_shape(data)
    assert len(data["turns"]) == 2
    assert data["report"]["asked"] == 2
    assert data["report"]["skipped"] == 2
    assert data["report"]["overall"] is None


def test_simulate_is_deterministic_for_a_seed(tmp_path):
    messages = [WEAK, "skip", "Can you repeat the question?", GOOD, "skip"]
    one, _ = simulate(tmp_path, messages, role="product_manager", questions=3, seed=11)
    two, _ = simulate(tmp_path, messages, role="product_manager", questions=3, seed=11)
    assert one == two


def test_simulate_with_a_custom_role(tmp_path):
    data, _ = simulate(tmp_path, ["skip", "skip"], role="Underwater Drone Pilot", questions=2)
    check_shape(data)
    assert data["role"] == "Underwater Drone Pilot"
    assert len({t["question_id"] for t in data["turns"]}) == 2


def test_evaluate_prints_the_score_and_evidence_per_dimension():
    question = "Tell me about a time you tracked down a difficult bug in production."
    answer = ("At my last job the checkout service failed for 5% of users. I reproduced it from the logs and found the root "
              "cause was a race condition. I fixed it and added a regression test, and errors dropped to zero within two days.")
    proc = run("evaluate", "--role", "software_engineer", "--question", question, "--answer", answer)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert type(data["score"]) is int and 0 <= data["score"] <= 100
    assert [d["dimension"] for d in data["dimensions"]] == DIMENSIONS
    for d in data["dimensions"]:
        assert 1 <= d["score"] <= 5
        assert d["rationale"]
        assert isinstance(d["evidence"], list)
        for e in d["evidence"]:
            assert e["quote"] in answer
    depth = next(d for d in data["dimensions"] if d["dimension"] == "depth")
    assert depth["evidence"], "a covered talking point must be backed by a quote"
    assert data["score"] >= 60


def test_evaluate_scores_a_question_outside_the_bank_with_the_generic_rubric():
    question = "Tell me about a time you had to persuade a sceptical colleague to change course."
    good = run("evaluate", "--role", "general", "--question", question, "--answer", GOOD)
    bad = run("evaluate", "--role", "general", "--question", question, "--answer", WEAK)
    assert good.returncode == 0 and bad.returncode == 0, good.stderr + bad.stderr
    g, b = json.loads(good.stdout), json.loads(bad.stdout)
    assert g["kind"] == "behavioral"
    assert g["score"] > b["score"]
    assert len(g["dimensions"]) == 6


@pytest.mark.parametrize(("content", "why"), [
    ("this is not json", "not JSON"),
    ('{"messages": ["hello"]}', "an object, not a list"),
    ('["fine", 42, null]', "not all strings"),
])
def test_a_bad_answers_file_exits_with_2_and_says_why(tmp_path, content, why):
    path = tmp_path / "answers.json"
    path.write_text(content, encoding="utf-8")
    proc = run("simulate", "--role", "software_engineer", "--answers", str(path))
    assert proc.returncode == 2, why
    assert proc.stdout == ""
    assert proc.stderr.startswith("error:")
    assert "answers.json" in proc.stderr
    assert "JSON list" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_missing_answers_file_exits_with_2(tmp_path):
    proc = run("simulate", "--role", "software_engineer", "--answers", str(tmp_path / "nope.json"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:")
    assert "nope.json" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_out_of_range_option_exits_with_2_and_names_it(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text('["skip"]', encoding="utf-8")
    proc = run("simulate", "--role", "software_engineer", "--answers", str(path), "--questions", "99")
    assert proc.returncode == 2
    assert "num_questions" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_interview_command_is_python_m_interview():
    """The installed console script (pip install -e ., as the README's test command does) is the same CLI."""
    script = Path(sys.executable).with_name("interview")
    assert script.exists(), f"no console script at {script}: install the package with pip install -e ."
    via_script = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    via_module = run_process("--help")
    assert via_script.returncode == via_module.returncode == 0, via_script.stderr
    assert via_script.stdout.startswith("usage: interview ") and via_module.stdout.startswith("usage: python -m interview ")
    assert via_script.stdout.split("\n\n", 1)[1] == via_module.stdout.split("\n\n", 1)[1]  # past the usage lines


# --reference and --batch. Two answers to one off-bank question, alike in shape, length, numbers and named tools, that
# differ in what they propose: each paraphrases one reference answer. Without a reference they score the same; with one,
# the answer that matches it must score higher, whichever of the two it is.
UNRELATED_ANSWER = "I enjoy hiking on weekends, and last spring I organised a charity bake sale for the local animal shelter."


def evaluate_score(answer: str, *extra: str) -> int:
    proc = run("evaluate", "--role", "general", "--question", REF_QUESTION, "--answer", answer, *extra)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["in_bank"] is False
    return data["score"]


def test_evaluate_reference_raises_the_answer_that_matches_it():
    answers = {"cache": CACHE_ANSWER, "static": STATIC_ANSWER, "unrelated": UNRELATED_ANSWER}
    for reference, matching, other in [(CACHE_REFERENCE, "cache", "static"), (STATIC_REFERENCE, "static", "cache")]:
        scores = {name: evaluate_score(a, "--reference", reference) for name, a in answers.items()}
        assert scores[matching] > scores[other], f"against the {matching} reference: {scores}"
        assert scores[matching] > scores["unrelated"], f"against the {matching} reference: {scores}"


def test_evaluate_passes_the_reference_to_the_scorer(monkeypatch):
    calls = []
    monkeypatch.setattr("interview.cli.evaluate_answer", lambda *a, **kw: calls.append((a, kw)) or {"score": 50})
    assert run("evaluate", "--role", "general", "--question", REF_QUESTION, "--answer", "x", "--reference", "the ref").returncode == 0
    assert run("evaluate", "--role", "general", "--question", REF_QUESTION, "--answer", "x").returncode == 0
    assert calls == [(("general", REF_QUESTION, "x"), {"reference": "the ref"}), (("general", REF_QUESTION, "x"), {"reference": None})]


def jsonl(*rows) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def rows_of(stdout: str) -> list[dict]:
    assert stdout.endswith("\n")
    return [json.loads(line) for line in stdout.splitlines()]


def test_batch_scores_every_line_in_order_and_reports_bad_lines(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_text(jsonl(
        {"id": "q1", "question": REF_QUESTION, "answer": CACHE_ANSWER, "reference_answer": CACHE_REFERENCE},
        "",  # blank lines are skipped, but still counted in the line numbers
        '{"id": "q2", "question": "Tell me about a time", ',  # cut off: not JSON
        {"id": 3, "question": "Tell me about a time you had to persuade a sceptical colleague.", "answer": GOOD,
         "role": "customer_support"},
        {"id": "q4", "question": REF_QUESTION},  # no answer
        {"question": REF_QUESTION, "answer": WEAK, "role": None, "notes": "extra fields are ignored"},
    ), encoding="utf-8")
    proc = run("evaluate", "--batch", str(path), "--role", "software_engineer")
    assert proc.returncode == 1, proc.stderr  # some line had an error
    assert proc.stderr == ""
    rows = rows_of(proc.stdout)
    assert [r["line"] for r in rows] == [1, 3, 4, 5, 6]
    assert [r.get("id") for r in rows] == ["q1", None, 3, "q4", None]  # echoed when the line has one, even on an error
    assert "id" not in rows[1] and "id" not in rows[4]

    bad_json, no_answer = rows[1], rows[3]
    assert set(bad_json) == {"line", "error"} and "not valid JSON" in bad_json["error"]
    assert no_answer == {"line": 5, "id": "q4", "error": no_answer["error"]} and "answer" in no_answer["error"]

    # A scored line is exactly what evaluate_answer gives (its role from the line, else --role), plus line and id.
    def scored(row):
        return {k: v for k, v in row.items() if k not in ("line", "id")}
    assert scored(rows[0]) == evaluate_answer("software_engineer", REF_QUESTION, CACHE_ANSWER, reference=CACHE_REFERENCE)
    assert scored(rows[2]) == evaluate_answer("customer_support", "Tell me about a time you had to persuade a sceptical colleague.", GOOD)
    assert scored(rows[4]) == evaluate_answer("software_engineer", REF_QUESTION, WEAK)
    assert rows[2]["role"] == "Customer Support Specialist" and rows[4]["role"] == "Software Engineer"
    for row in (rows[0], rows[2], rows[4]):
        assert "error" not in row and type(row["score"]) is int


@pytest.mark.parametrize(("line", "words"), [
    ('["a list"]', "object"),
    ('"just a string"', "object"),
    ('{"question": 42, "answer": "fine"}', "question"),
    ('{"question": "Tell me about your last project.", "answer": ["not", "a", "string"]}', "answer"),
    ('{"question": "Tell me about your last project.", "answer": "fine", "role": 7}', "role"),
    ('{"question": "Tell me about your last project.", "answer": "fine", "reference_answer": {"text": "x"}}', "reference_answer"),
    ('{"answer": "fine"}', "question"),
])
def test_batch_a_malformed_line_is_an_error_line_and_the_rest_is_scored(tmp_path, line, words):
    path = tmp_path / "answers.jsonl"
    path.write_text(jsonl({"question": REF_QUESTION, "answer": CACHE_ANSWER}, line, {"question": REF_QUESTION, "answer": WEAK}),
                    encoding="utf-8")
    proc = run("evaluate", "--batch", str(path))
    assert proc.returncode == 1
    first, bad, last = rows_of(proc.stdout)
    assert bad == {"line": 2, "error": bad["error"]} and words in bad["error"]
    assert (first["line"], last["line"]) == (1, 3)
    assert first["score"] > last["score"]  # both scored: a full answer beats "It depends"
    assert first["role"] == last["role"] == evaluate_answer("general", REF_QUESTION, WEAK)["role"]  # the batch's default role


def test_batch_a_line_that_is_not_utf8_is_an_error_line(tmp_path):
    path = tmp_path / "answers.jsonl"
    good = json.dumps({"question": REF_QUESTION, "answer": CACHE_ANSWER}).encode()
    path.write_bytes(b"\xef\xbb\xbf" + good + b"\n" + b'{"question": "caf\xe9?", "answer": "x"}\n' + good + b"\n")  # BOM first
    proc = run("evaluate", "--batch", str(path))
    assert proc.returncode == 1
    rows = rows_of(proc.stdout)
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert "UTF-8" in rows[1]["error"] and "score" in rows[0] and "score" in rows[2]


def test_batch_of_good_lines_exits_0(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_text(jsonl(*[{"id": i, "question": REF_QUESTION, "answer": a} for i, a in enumerate([CACHE_ANSWER, WEAK, "\u00e9t\u00e9"])]),
                    encoding="utf-8")
    proc = run("evaluate", "--batch", str(path))
    assert proc.returncode == 0, proc.stdout
    rows = rows_of(proc.stdout)
    assert [(r["line"], r["id"]) for r in rows] == [(1, 0), (2, 1), (3, 2)]
    assert all("error" not in r and "score" in r for r in rows)
    assert "\u00e9t\u00e9" in proc.stdout  # ensure_ascii=False


def test_batch_reads_stdin_with_a_dash(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(jsonl({"id": "a", "question": REF_QUESTION, "answer": CACHE_ANSWER},
                                                       {"id": "b", "question": REF_QUESTION, "answer": WEAK})))
    proc = run("evaluate", "--batch", "-")
    assert proc.returncode == 0, proc.stderr
    rows = rows_of(proc.stdout)
    assert [(r["line"], r["id"]) for r in rows] == [(1, "a"), (2, "b")]
    assert rows[0]["score"] == evaluate_answer("general", REF_QUESTION, CACHE_ANSWER)["score"]


def test_batch_streams_each_line_as_it_arrives_on_stdin():
    """In a real process: a line's result is printed (and flushed) before the next line is even written."""
    import os
    import selectors

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout on a pipe is block-buffered: flushing is the CLI's job
    proc = subprocess.Popen([sys.executable, "-m", "interview", "evaluate", "--batch", "-"], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            rows = []
            for i, line in enumerate([{"id": "x", "question": REF_QUESTION, "answer": CACHE_ANSWER}, "{oops"], 1):
                proc.stdin.write(jsonl(line))
                proc.stdin.flush()
                assert sel.select(timeout=60), f"no output for line {i} while stdin stays open"
                rows.append(json.loads(proc.stdout.readline()))
        proc.stdin.close()
        assert proc.wait(timeout=60) == 1
    finally:
        proc.kill()
        proc.wait()
    assert rows[0]["line"] == 1 and rows[0]["id"] == "x" and type(rows[0]["score"]) is int
    assert rows[1]["line"] == 2 and "JSON" in rows[1]["error"]


def test_batch_a_missing_file_exits_with_2(tmp_path):
    proc = run("evaluate", "--batch", str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error:") and "nope.jsonl" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("args", "words"), [
    ((), "--question and --answer"),
    (("--role", "general", "--question", REF_QUESTION), "--answer"),
    (("--role", "general", "--answer", "x"), "--question"),
    (("--question", REF_QUESTION, "--answer", "x"), "--role"),
    (("--batch", "x.jsonl", "--question", REF_QUESTION), "cannot be combined"),
])
def test_evaluate_needs_a_question_and_answer_or_a_batch(args, words):
    proc = run("evaluate", *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert words in proc.stderr and "usage:" in proc.stderr
    assert "Traceback" not in proc.stderr
