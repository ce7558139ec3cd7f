"""Coding exercises over the REST API: read the problem, run and submit code in the real sandbox, clear errors."""

from __future__ import annotations

import json

import pytest
from api_client import TokenClient, token_client

from interview import InterviewService, JsonFileStore, get_engine
from interview.coding.problems import load_problems

pytestmark = pytest.mark.sandbox

EXPLAIN = ("I iterate over the input once and keep what I need in a dictionary, because each lookup is then constant. "
           "It's O(n) time and O(n) space; an empty input or a single element returns early.")


def _client(tmp_path, **service_options) -> TokenClient:
    service = InterviewService(get_engine("offline"), JsonFileStore(tmp_path / "sessions"), **service_options)
    return token_client(service)


@pytest.fixture
def client(tmp_path):
    return _client(tmp_path)


def _start_coding(client, **options) -> tuple[str, dict]:
    """Start a one-question interview whose question is a coding exercise; return its id and the start response."""
    r = client.post("/sessions", json={"role": "software_engineer", "num_questions": 1, "coding_questions": 1, "seed": 4, **options})
    assert r.status_code == 201, r.text
    assert r.json()["coding"] is True
    return r.json()["id"], r.json()


def _problem(client, sid):
    r = client.get(f"/sessions/{sid}/code")
    assert r.status_code == 200, r.text
    return load_problems()[r.json()["problem_id"]]


def test_coding_questions_pass_through_and_the_problem_is_shown_without_its_secrets(client):
    sid, started = _start_coding(client)
    assert client.get(f"/sessions/{sid}").json()["options"]["coding_questions"] == 1
    assert started["prompt"].startswith("Coding exercise")
    r = client.get(f"/sessions/{sid}/code")
    body = r.json()
    problem = load_problems()[body["problem_id"]]
    assert body["statement"] == problem.statement and body["function"] == problem.function
    assert body["signature"]["python"] == problem.signature.python
    assert body["starter_code"]["python"].startswith(problem.signature.python)
    assert body["starter_code"]["javascript"].startswith(problem.signature.javascript)
    assert len(body["examples"]) == len(problem.examples) and body["examples"][0]["call"].startswith(problem.function + "(")
    assert body["code_execution"] is True and body["runs"] == 0 and body["submissions"] == 0
    assert not {"hidden_tests", "reference", "wrong", "large_test", "complexity", "hints"} & set(body)
    text = r.text
    assert problem.reference.python not in text and problem.wrong.python not in text
    assert problem.reference.javascript not in text and problem.wrong.javascript not in text
    assert all(json.dumps(case.note) not in text for case in problem.hidden_tests if case.note)


def test_run_shows_each_visible_case_and_the_wrong_solution_only_fails_hidden_tests(client):
    sid, _ = _start_coding(client)
    problem = _problem(client, sid)
    for code in (problem.reference.python, problem.wrong.python):
        r = client.post(f"/sessions/{sid}/code/run", json={"code": code, "language": "python"})
        assert r.status_code == 200, r.text
        run = r.json()["run"]
        assert run["verdict"] == "passed" and run["passed"] == run["total"] == len(problem.visible_tests)
        assert [c["ok"] for c in run["cases"]] == [True] * len(problem.visible_tests)
    r = client.post(f"/sessions/{sid}/code/run", json={"code": problem.reference.javascript, "language": "javascript"})
    assert r.json()["run"]["verdict"] == "passed"
    view = client.get(f"/sessions/{sid}/code").json()
    assert view["runs"] == 3 and view["language"] == "javascript" and view["draft"] == problem.reference.javascript
    assert view["last_run"]["verdict"] == "passed"


def test_submit_wrong_then_reference_and_the_report_has_the_coding_result(client):
    sid, _ = _start_coding(client)
    problem = _problem(client, sid)
    r = client.post(f"/sessions/{sid}/code/submit", json={"code": problem.wrong.python, "language": "python"})
    assert r.status_code == 200, r.text
    sub = r.json()["submission"]
    assert sub["verdict"] == "failed" and sub["passed"] < sub["total"] and "code" not in sub
    assert r.json()["turn"]["intent"] == "code" and "fail" in r.json()["turn"]["reply"]
    assert "cases" not in sub  # a submission gives counts only
    r = client.post(f"/sessions/{sid}/code/submit", json={"code": problem.reference.python, "language": "python"})
    sub = r.json()["submission"]
    assert sub["verdict"] == "passed" and sub["passed"] == sub["total"]
    assert f"All {sub['total']} tests pass" in r.json()["turn"]["reply"]
    client.post(f"/sessions/{sid}/messages", json={"message": EXPLAIN})
    report = client.post(f"/sessions/{sid}/finish").json()
    coding = report["questions"][0]["coding"]
    assert coding["verdict"] == "passed" and coding["submissions"] == 2 and coding["problem"]


@pytest.mark.parametrize("body, status, words", [
    ({"code": "def f(): pass", "language": "cobol"}, 422, "language"),
    ({"code": "def f(): pass", "language": "python", "extra": 1}, 422, "extra"),
    ({"language": "python"}, 422, "code"),
    ({"code": "   \n", "language": "python"}, 400, "editor is empty"),
    ({"code": "x" * 20_001, "language": "python"}, 400, "longer than"),
])
def test_bad_code_bodies_are_rejected_with_what_to_fix(client, body, status, words):
    sid, _ = _start_coding(client)
    for action in ("run", "submit"):
        r = client.post(f"/sessions/{sid}/code/{action}", json=body)
        assert r.status_code == status and words in r.json()["error"], r.text
    assert client.get(f"/sessions/{sid}/code").json()["submissions"] == 0


def test_code_for_a_question_that_is_not_coding_is_a_conflict(client):
    sid = client.post("/sessions", json={"role": "software_engineer", "num_questions": 1, "seed": 1}).json()["id"]
    for method, path in (("get", "code"), ("post", "code/run"), ("post", "code/submit")):
        r = client.request(method, f"/sessions/{sid}/{path}", json={"code": "def f(): pass", "language": "python"})
        assert r.status_code == 409 and "not a coding exercise" in r.json()["error"]
    assert client.get("/sessions/nope/code").status_code == 404
    assert client.post("/sessions/nope/code/run", json={"code": "x", "language": "python"}).status_code == 404


def test_with_execution_off_run_says_so_and_submit_is_recorded_not_run(tmp_path):
    client = _client(tmp_path, judge=None)
    sid, _ = _start_coding(client)
    problem = _problem(client, sid)
    assert client.get(f"/sessions/{sid}/code").json()["code_execution"] is False
    r = client.post(f"/sessions/{sid}/code/run", json={"code": problem.reference.python, "language": "python"})
    assert r.status_code == 409 and "turned off" in r.json()["error"] and "Submit" in r.json()["error"]
    r = client.post(f"/sessions/{sid}/code/submit", json={"code": problem.reference.python, "language": "python"})
    assert r.status_code == 200 and r.json()["submission"]["verdict"] == "not_run"
    assert "haven't run it" in r.json()["turn"]["reply"]
    report = client.post(f"/sessions/{sid}/finish").json()
    assert report["questions"][0]["coding"]["verdict"] == "not_run"


def test_a_finished_interview_takes_no_more_code(client):
    sid, _ = _start_coding(client)
    problem = _problem(client, sid)
    client.post(f"/sessions/{sid}/finish")
    for method, path in (("get", "code"), ("post", "code/run"), ("post", "code/submit")):
        r = client.request(method, f"/sessions/{sid}/{path}", json={"code": problem.reference.python, "language": "python"})
        assert r.status_code == 409 and "has ended" in r.json()["error"]


class _BrokenJudge:
    """A judge whose sandbox cannot start."""

    def run(self, problem, code, language, mode):
        from interview.errors import SandboxError

        raise SandboxError("The code sandbox could not start: try again in a moment.")

    def reference_large_ms(self, problem, language):
        return None


def test_a_sandbox_that_cannot_start_is_a_503_and_nothing_is_lost(tmp_path):
    client = _client(tmp_path, judge=_BrokenJudge())
    sid, _ = _start_coding(client)
    code = _problem(client, sid).reference.python
    for action in ("run", "submit"):
        r = client.post(f"/sessions/{sid}/code/{action}", json={"code": code, "language": "python"})
        assert r.status_code == 503 and "try again" in r.json()["error"]
    view = client.get(f"/sessions/{sid}/code").json()
    assert view["draft"] == code and view["submissions"] == 0  # the draft was saved before the run


@pytest.mark.parametrize("value, on", [("on", True), ("off", False)])
def test_the_served_api_follows_interview_code_execution(tmp_path, value, on):
    from interview import Settings
    from interview.cli import api_service

    service = api_service(Settings.from_sources(env={"INTERVIEW_CODE_EXECUTION": value, "INTERVIEW_DATA_DIR": str(tmp_path)}))
    assert (service.judge is not None) is on


def test_health_reports_the_sandbox_isolation(client):
    from interview.coding import runner

    health = client.get("/health").json()["runner"]
    assert health["code_execution"] is True
    if hasattr(runner, "isolation_report"):
        assert isinstance(health["isolation_proven"], bool) and isinstance(health["mechanisms"], list)
        assert health["isolation_proven"] == runner.isolation_report()["proven"]
    else:
        assert health["isolation_proven"] is None
