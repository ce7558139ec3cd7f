"""The REST API: the same service over HTTP, with clear errors."""

from __future__ import annotations

import pytest
from api_client import token_client

from interview import InterviewService, JsonFileStore, get_engine
from interview.service import evaluate_answer
from interview.testing.reference_answers import CACHE_ANSWER, CACHE_REFERENCE, REF_QUESTION, STATIC_ANSWER, STATIC_REFERENCE

pytestmark = pytest.mark.unit

GOOD = ("At my last job our checkout service failed for 5% of customers. I reproduced the bug from the logs, found the "
        "root cause was a race condition, and I added a regression test. As a result errors dropped to zero within two days.")


@pytest.fixture
def client(tmp_path):
    service = InterviewService(get_engine("offline"), JsonFileStore(tmp_path / "sessions"))
    return token_client(service)


def test_a_whole_interview_over_http(client):
    r = client.post("/sessions", json={"role": "software_engineer", "num_questions": 2, "seed": 3})
    assert r.status_code == 201
    sid, first = r.json()["id"], r.json()["prompt"]
    assert "First question:" in r.json()["opening"] and first in r.json()["opening"]
    r = client.post(f"/sessions/{sid}/messages", json={"message": "hint"})
    assert r.json()["turn"]["intent"] == "hint" and r.json()["prompt"] == first
    r = client.post(f"/sessions/{sid}/messages", json={"message": "I fixed it."})
    turn = r.json()["turn"]
    assert turn["scored"] and turn["action"] == "follow_up"
    r = client.patch(f"/sessions/{sid}/turns/{turn['index']}", json={"text": GOOD})
    assert r.status_code == 200 and r.json()["turn"]["score"] > turn["score"]
    report = client.post(f"/sessions/{sid}/finish").json()
    assert report["overall"] is not None and report["questions"][0]["answer"] == GOOD
    md = client.get(f"/sessions/{sid}/report", params={"format": "markdown"})
    assert md.headers["content-type"].startswith("text/markdown") and "# Interview feedback" in md.text
    r = client.post(f"/sessions/{sid}/messages", json={"message": "one more"})
    assert r.status_code == 409 and "has ended" in r.json()["error"]


def test_errors_are_clear(client):
    assert client.get("/sessions/nope").status_code == 404
    assert client.post("/sessions", content=b"{not json").status_code == 400
    r = client.post("/sessions", json={"role": "software_engineer", "num_questions": 99})
    assert r.status_code == 422 and "num_questions" in r.json()["error"]
    r = client.post("/sessions", json={"role": "software_engineer", "hacker": True})
    assert r.status_code == 422
    sid = client.post("/sessions", json={"role": "general"}).json()["id"]
    r = client.patch(f"/sessions/{sid}/turns/0", json={"text": "x"})
    assert r.status_code == 404 and "not an answer that can be corrected" in r.json()["error"]
    assert client.post(f"/sessions/{sid}/messages", json={"msg": "x"}).status_code == 422


def test_roles_and_evaluate(client):
    roles = client.get("/roles").json()
    assert len(roles) >= 8 and {"software_engineer", "general"} <= {r["id"] for r in roles}
    r = client.post("/evaluate", json={"role": "Software Engineer", "question": "Why do you want this job?", "answer": GOOD})
    body = r.json()
    assert r.status_code == 200 and 0 <= body["score"] <= 100 and len(body["dimensions"]) == 6


def test_serve_command_answers_on_localhost(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "INTERVIEW_DATA_DIR": str(tmp_path / "api")}
    proc = subprocess.Popen([sys.executable, "-m", "interview", "serve", "--port", str(port)], cwd=Path(__file__).resolve().parents[1],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/roles", timeout=2) as r:
                    assert r.status == 200 and b"software_engineer" in r.read()
                    break
            except OSError:
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_with_two_workers_shares_sessions_and_keeps_each_sessions_turns_in_order(tmp_path):
    import json
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from conftest import free_port

    port = free_port()
    env = {**os.environ, "INTERVIEW_DATA_DIR": str(tmp_path / "api")}
    proc = subprocess.Popen([sys.executable, "-m", "interview", "serve", "--port", str(port), "--workers", "2", "--keep-alive", "2"],
                            cwd=Path(__file__).resolve().parents[1], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def call(method, path, body=None, token=None):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=json.dumps(body).encode() if body else None,
                                         headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(request, timeout=10) as r:  # a new connection each time: either worker may answer
            return json.loads(r.read())

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                start = call("POST", "/sessions", {"role": "software_engineer", "num_questions": 5})
                break
            except OSError:
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.3)
        messages = ["hint", "I fixed it.", "repeat", GOOD, "what do you mean?", "hint"]
        for message in messages:
            call("POST", f"/sessions/{start['id']}/messages", {"message": message}, start["token"])
        state = call("GET", f"/sessions/{start['id']}", token=start["token"])
        assert [t["message"] for t in state["turns"]] == messages
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_refuses_nonsense_worker_and_keep_alive_values(capsys):
    from interview.cli import main

    assert main(["serve", "--workers", "0"]) == 2 and "--workers must be 1 or more" in capsys.readouterr().err
    assert main(["serve", "--keep-alive", "0"]) == 2


# Two answers alike in shape, length, numbers and named tools, each paraphrasing one reference (as in test_cli.py).


def test_evaluate_with_a_reference_answer_and_the_default_role(client):
    def score(answer, reference):
        r = client.post("/evaluate", json={"question": REF_QUESTION, "answer": answer, "reference_answer": reference})
        assert r.status_code == 200, r.text
        assert r.json() == evaluate_answer("general", REF_QUESTION, answer, reference=reference)  # role defaults to general
        return r.json()["score"]

    assert score(CACHE_ANSWER, CACHE_REFERENCE) > score(STATIC_ANSWER, CACHE_REFERENCE)
    assert score(STATIC_ANSWER, STATIC_REFERENCE) > score(CACHE_ANSWER, STATIC_REFERENCE)


def test_evaluate_passes_role_and_reference_answer_to_the_scorer(client, monkeypatch):
    calls = []
    monkeypatch.setattr("interview.api.evaluate_answer", lambda *a, **kw: calls.append((a, kw)) or {"score": 61})
    r = client.post("/evaluate", json={"role": "software_engineer", "question": REF_QUESTION, "answer": "x", "reference_answer": "ref"})
    assert r.status_code == 200 and r.json() == {"score": 61}
    assert client.post("/evaluate", json={"question": REF_QUESTION, "answer": "x"}).status_code == 200
    assert calls == [(("software_engineer", REF_QUESTION, "x"), {"reference": "ref"}), (("general", REF_QUESTION, "x"), {"reference": None})]


@pytest.mark.parametrize(("body", "field"), [
    ({"question": REF_QUESTION, "answer": "x", "reference": "the field is reference_answer"}, "reference"),
    ({"question": REF_QUESTION, "answer": "x", "hacker": True}, "hacker"),
    ({"question": REF_QUESTION}, "answer"),
    ({"answer": "x"}, "question"),
    ({"question": "Why?", "answer": "x"}, "question"),  # shorter than any question the scorer takes: 422, not 500
    ({"question": "q" * 2_001, "answer": "x"}, "question"),
    ({"question": REF_QUESTION, "answer": "a" * 20_001}, "answer"),
    ({"question": REF_QUESTION, "answer": "x", "reference_answer": "r" * 20_001}, "reference_answer"),
    ({"question": REF_QUESTION, "answer": "x", "reference_answer": 42}, "reference_answer"),
    ({"role": "", "question": REF_QUESTION, "answer": "x"}, "role"),
    ({"role": "r" * 81, "question": REF_QUESTION, "answer": "x"}, "role"),
])
def test_evaluate_rejects_unknown_and_invalid_fields(client, body, field):
    r = client.post("/evaluate", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"].startswith(f"{field}: ")


def test_evaluate_takes_every_field_at_its_limit_even_when_escaped(client, monkeypatch):
    # The size checks are the point here, not scoring 40,000 characters: the scorer is replaced by one that echoes.
    monkeypatch.setattr("interview.api.evaluate_answer", lambda role, question, answer, *, reference=None: {
        "score": 50, "question": question, "answer_chars": len(answer), "reference_chars": len(reference or "")})
    body = {"question": REF_QUESTION + " " + "\u00e9" * (2_000 - len(REF_QUESTION) - 1), "answer": "\u00e9t\u00e9 " * 5_000,
            "reference_answer": "\u00e9" * 20_000}
    r = client.post("/evaluate", json=body)  # about 200 kB as \u00e9 escapes: over the other routes' 64 kB cap
    assert r.status_code == 200, r.text
    assert r.json() == {"score": 50, "question": body["question"], "answer_chars": 20_000, "reference_chars": 20_000}
    big = client.post("/evaluate", content=b'{"question": "' + b"q" * 300_000 + b'", "answer": "x"}')
    assert big.status_code == 413 and "Request body over" in big.json()["error"]
