"""A session id alone opens nothing: every session call needs the token its start returned, and a wrong one looks missing."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid

import pytest
from starlette.testclient import TestClient

from interview import InterviewOptions, InterviewService, JsonFileStore, SessionState, get_engine
from interview.api import create_app

pytestmark = pytest.mark.unit

OPTIONS = {"role": "software_engineer", "num_questions": 2, "seed": 3}
ANSWER = {"message": "I reproduced the bug from the logs, found a race condition and added a regression test."}
# Every session route, with a body it takes: a wrong token must get the same answer from each.
ROUTES = [("get", "", None), ("post", "/messages", ANSWER), ("patch", "/turns/0", {"text": "x"}), ("get", "/code", None),
          ("post", "/code/run", {"code": "x = 1", "language": "python"}), ("post", "/code/submit", {"code": "x = 1", "language": "python"}),
          ("post", "/finish", None), ("get", "/report", None)]


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "sessions"


@pytest.fixture
def service(store_dir):
    return InterviewService(get_engine("offline"), JsonFileStore(store_dir), judge=None)


@pytest.fixture
def client(service):
    return TestClient(create_app(service))


def _start(client) -> tuple[str, str]:
    r = client.post("/sessions", json=OPTIONS)
    assert r.status_code == 201
    return r.json()["id"], r.json()["token"]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _same_as_missing(r, sid: str, unknown) -> None:
    """The answer for a real session with a bad token is the answer for a session that does not exist, id aside."""
    assert r.status_code == unknown.status_code == 404
    assert r.text.replace(sid, "ID") == unknown.text.replace(unknown.sid, "ID")
    assert {k: v for k, v in r.headers.items()} == {k: v for k, v in unknown.headers.items()}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_wrong_missing_or_other_sessions_token_is_answered_as_an_unknown_session(client, method, path, body):
    sid, token = _start(client)
    _, other_token = _start(client)
    missing = uuid.uuid4().hex  # the same length as a real id, so the bodies can be compared byte for byte
    unknown = client.request(method, f"/sessions/{missing}{path}", json=body, headers=_bearer(token))
    unknown.sid = missing
    for headers in ({}, _bearer(""), _bearer("x" * 43), _bearer(other_token), _bearer(token[:-1]), {"Authorization": token},
                    {"Authorization": f"Basic {token}"}):
        _same_as_missing(client.request(method, f"/sessions/{sid}{path}", json=body, headers=headers), sid, unknown)
    assert client.request(method, f"/sessions/{sid}{path}", json=body, headers=_bearer(token)).status_code != 404 or path == "/turns/0"


def test_the_seed_api_answers_a_wrong_token_as_an_unknown_session(client):
    r = client.post("/api/start", json=OPTIONS)
    sid, token = r.json()["session_id"], r.json()["token"]
    missing = uuid.uuid4().hex
    for path, extra in (("/api", {"message": "hint"}), ("/api/feedback", {})):
        unknown = client.post(path, json={"session_id": missing, "token": token, **extra})
        unknown.sid = missing
        for wrong in ("", "x" * 43, token.upper() if token.upper() != token else token + "x"):
            _same_as_missing(client.post(path, json={"session_id": sid, "token": wrong, **extra}), sid, unknown)
        assert client.post(path, json={"session_id": sid, "token": token, **extra}).status_code == 200


def test_the_token_opens_both_apis_and_only_its_hash_is_stored(client, store_dir):
    sid, token = _start(client)
    saved = (store_dir / f"{sid}.json").read_text()
    assert token not in saved and json.loads(saved)["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    state = client.get(f"/sessions/{sid}", headers=_bearer(token))
    assert state.status_code == 200 and "token" not in state.text  # neither the token nor its hash is ever sent back
    assert client.post("/api", json={"session_id": sid, "token": token, "message": "hint"}).status_code == 200
    r = client.post("/api/start", json=OPTIONS)
    assert client.post(f"/sessions/{r.json()['session_id']}/messages", json=ANSWER, headers=_bearer(r.json()["token"])).status_code == 200
    assert len({token, r.json()["token"]}) == 2 and len(token) >= 43


def test_a_session_the_app_started_without_a_token_is_not_served(client, service):
    state = service.start(InterviewOptions(role="general"))  # as the Streamlit app does: no token
    for token in ("", state.id, "0" * 64):
        assert client.get(f"/sessions/{state.id}", headers=_bearer(token)).status_code == 404
        assert client.post("/api", json={"session_id": state.id, "token": token, "message": "hint"}).status_code == 404


def test_a_session_saved_before_tokens_existed_still_loads(service, store_dir):
    state = service.start(InterviewOptions(role="general"))
    old = json.loads((store_dir / f"{state.id}.json").read_text())
    old.pop("token_hash")
    (store_dir / f"{state.id}.json").write_text(json.dumps(old))
    assert service.resume(state.id).token_hash == "" and "token_hash" not in SessionState.model_json_schema()["properties"]


def test_tokens_are_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    sid, token = _start(client)
    client.post(f"/sessions/{sid}/messages", json=ANSWER, headers=_bearer(token))
    client.post(f"/sessions/{sid}/messages", json=ANSWER, headers=_bearer(token + "x"))
    client.post("/api", json={"session_id": sid, "token": token + "y" * 200, "message": "hint"})  # too long: 422, not echoed
    assert token not in caplog.text
    r = client.post("/api", json={"session_id": sid, "token": token + "y" * 200, "message": "hint"})
    assert r.status_code == 422 and token not in r.text and r.json()["error"].startswith("token: ")
