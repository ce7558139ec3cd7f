"""The seed's API: start, one call per message, feedback; and /health."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from interview import InterviewService, JsonFileStore, MemoryStore, get_engine
from interview.api import create_app
from interview.models import TestReport

pytestmark = pytest.mark.unit

WEAK = "I fixed it."
GOOD = ("At my last job our checkout service failed for 5% of customers. I reproduced the bug from the logs, found the "
        "root cause was a race condition, and I added a regression test. As a result errors dropped to zero within two days.")


class _FakeJudge:
    def run(self, problem, code, language, mode):
        return TestReport(verdict="passed", passed=1, total=1)

    def reference_large_ms(self, problem, language):
        return None


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(InterviewService(get_engine("offline"), JsonFileStore(tmp_path / "s"), judge=None)))


def test_a_whole_interview_through_the_seed_api(client):
    r = client.post("/api/start", json={"role": "software_engineer", "num_questions": 2, "seed": 3})
    assert r.status_code == 201, r.text
    start = r.json()
    sid, token, first = start["session_id"], start["token"], start["question"]
    assert first and first in start["opening"] and start["question_number"] == 1 and start["planned"] == 2

    def say(message):
        r = client.post("/api", json={"session_id": sid, "token": token, "message": message})
        assert r.status_code == 200, r.text
        return r.json()

    hint = say("hint")
    assert hint["intent"] == "hint" and hint["action"] == "stay" and not hint["follow_up"] and hint["question"] == first
    weak = say(WEAK)
    assert weak["intent"] == "answer" and weak["follow_up"] and weak["action"] == "follow_up" and weak["score"] is not None
    assert weak["question"] != first and weak["question_number"] == 1 and not weak["done"]  # the follow-up is asked now
    skip = say("skip")
    assert skip["action"] == "next_question" and skip["question_number"] == 2 and not skip["follow_up"]
    end = say("end")
    assert end["done"] and end["question"] == ""
    assert client.post("/api", json={"session_id": sid, "token": token, "message": "more"}).status_code == 409
    report = client.post("/api/feedback", json={"session_id": sid, "token": token})
    assert report.status_code == 200 and report.json()["questions"][0]["answer"] == WEAK


def test_feedback_finishes_an_interview_still_on_and_gives_the_same_report_after(client):
    start = client.post("/api/start", json={"role": "software_engineer", "num_questions": 3}).json()
    body = {"session_id": start["session_id"], "token": start["token"]}
    client.post("/api", json={**body, "message": GOOD})
    first = client.post("/api/feedback", json=body)
    assert first.status_code == 200 and first.json()["answered"] == 1 and first.json()["overall"] is not None
    assert client.post("/api/feedback", json=body).json() == first.json()
    assert client.post("/api", json={**body, "message": GOOD}).status_code == 409


def test_seed_bodies_are_checked(client):
    start = client.post("/api/start", json={"role": "general"}).json()
    r = client.post("/api", json={"session_id": start["session_id"], "token": start["token"]})
    assert r.status_code == 422 and r.json()["error"].startswith("message: ")
    r = client.post("/api", json={"session_id": start["session_id"], "token": start["token"], "message": "x", "extra": 1})
    assert r.status_code == 422 and r.json()["error"].startswith("extra: ")


@pytest.mark.parametrize(("judge", "runner"), [
    (None, {"code_execution": False}),
    (_FakeJudge(), {"code_execution": True, "isolation_proven": None, "mechanisms": []}),  # not the sandbox: nothing to prove
])
def test_health_says_what_the_server_runs_on(judge, runner):
    r = TestClient(create_app(InterviewService(get_engine("offline"), MemoryStore(), judge=judge))).get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "engine": "offline", "embeddings": "off (INTERVIEW_EMBEDDINGS=off)", "speech": {"stt": "whisper"},
                        "runner": runner, "store": {"kind": "MemoryStore"}}


def test_health_reports_a_data_directory_it_cannot_write_to(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")  # a file where the data directory's parent should be: nothing can be saved below it
    store = JsonFileStore(blocked / "sessions")
    health = TestClient(create_app(InterviewService(get_engine("offline"), store, judge=None))).get("/health").json()
    assert health["store"] == {"kind": "JsonFileStore", "writable": False} and health["status"] == "degraded"
