"""Cheap refusal: bodies capped as they stream in, JSON that cannot blow up, clear errors and nothing left behind."""

from __future__ import annotations

import select
import socket
import threading
import time

import anyio
import httpx
import pytest
import uvicorn
from api_client import token_client
from conftest import free_port

from interview import InterviewService, JsonFileStore, get_engine
from interview.api import MAX_BODY, create_app

pytestmark = pytest.mark.unit

START = b'{"role": "software_engineer", "num_questions": 2}'


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "sessions"


@pytest.fixture
def client(store_dir):
    return token_client(InterviewService(get_engine("offline"), JsonFileStore(store_dir), judge=None))


def _post(client, path, body: bytes, **headers):
    return client.post(path, content=body, headers={"content-type": "application/json", **headers})


@pytest.mark.parametrize(("body", "words"), [
    (b"[" * 5_000 + b"]" * 5_000, "nested deeper than 32"),
    (b'{"role": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}", "nested deeper than 32"),
    (b'{"role": "general", "seed": ' + b"9" * 5_001 + b"}", "5,001 digits"),
    (b'{"role": "general", "seed": -' + b"9" * 40 + b"}", "40 digits"),
    (b'{"role": "general", "seed": NaN}', "NaN is not a JSON value"),
    (b'{"role": "general", "seed": 1e999}', "out of range"),
    (b'{"role": "gen\xff\xfeal"}', "not UTF-8"),
    ('{"role": "general"}'.encode("utf-16"), "not UTF-8"),
    (b'{"role": "general", "candidate_name": "\\ud800"}', "lone surrogate (\\ud800)"),
    (b'{"role": "\\udfffgeneral"}', "lone surrogate (\\udfff)"),
    (b'{"role": "general", "\\ud83d": 1}', "lone surrogate"),
    (b"{not json", "Body is not JSON"),
])
def test_bodies_that_used_to_be_server_errors_are_400_and_leave_nothing_behind(client, store_dir, body, words):
    for path in ("/sessions", "/api/start", "/evaluate"):
        r = _post(client, path, body)
        assert r.status_code == 400, (path, r.text)
        assert words in r.json()["error"], r.text
    assert not store_dir.exists() or not list(store_dir.iterdir())  # no session, no empty temp file


def test_a_lone_surrogate_in_a_message_leaves_the_session_as_it_was(client, store_dir):
    sid = client.post("/sessions", json={"role": "software_engineer"}).json()["id"]
    saved = (store_dir / f"{sid}.json").read_text()
    r = client.post(f"/sessions/{sid}/messages", content=b'{"message": "I fixed \\udc00 it"}', headers={"content-type": "application/json"})
    assert r.status_code == 400 and "lone surrogate" in r.json()["error"]
    assert sorted(p.name for p in store_dir.iterdir()) == [f"{sid}.json"] and (store_dir / f"{sid}.json").read_text() == saved
    # A valid pair (an emoji written as two escapes) is text and goes through.
    r = client.post(f"/sessions/{sid}/messages", content=b'{"message": "I fixed it \\ud83d\\ude00"}', headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["turn"]["message"].endswith("\U0001f600")


def test_json_without_a_content_type_is_read_and_other_types_are_told_what_to_send(client):
    assert client.post("/sessions", content=START).status_code == 201  # as before: no Content-Type is read as JSON
    r = _post(client, "/sessions", START, **{"content-type": "text/plain"})
    assert r.status_code == 400 and "Content-Type: application/json" in r.json()["error"]


@pytest.mark.parametrize(("body", "field"), [
    ({"role": " "}, "role"), ({"role": "x"}, "role"), ({"role": "\u0000"}, "role"), ({"role": []}, "role"),
    ({"role": "general", "seed": 1.5}, "seed"), ({"role": "general", "kinds": ["poetry"]}, "kinds.0"),
])
def test_unusable_start_options_are_422_naming_the_field(client, body, field):
    for path in ("/sessions", "/api/start"):
        r = client.post(path, json=body)
        assert r.status_code == 422 and r.json()["error"].startswith(f"{field}: "), r.text


@pytest.mark.parametrize(("body", "field"), [
    ({"role": "  ", "question": "What is your greatest strength?", "answer": "x"}, "role"),
    ({"role": "\u0000", "question": "What is your greatest strength?", "answer": "x"}, "role"),
    ({"question": " " * 12 + "?", "answer": "x"}, "question"),
    ({"question": "What is your greatest strength?", "answer": ["x"]}, "answer"),
])
def test_evaluate_refuses_a_role_or_question_it_cannot_use_with_422(client, body, field):
    r = client.post("/evaluate", json=body)
    assert r.status_code == 422 and r.json()["error"].startswith(f"{field}: "), r.text


def test_evaluate_scores_an_unknown_role_and_question_as_custom_ones(client):
    r = client.post("/evaluate", json={"role": "Lighthouse Keeper", "question": "How do you keep the lamp lit in a storm?",
                                       "answer": "I check the fuel and the wick every hour, and I keep spare mantles dry."})
    assert r.status_code == 200 and r.json()["in_bank"] is False and r.json()["role"] == "Lighthouse Keeper"


def test_a_declared_length_over_the_cap_is_refused_before_any_byte_is_read():
    pulled = anyio.run(_pull_until_refused, {"content-length": str(200 * 1024 * 1024)})
    assert pulled == (413, 0)


def test_a_chunked_body_is_refused_at_the_cap_without_reading_the_rest():
    status, chunks = anyio.run(_pull_until_refused, {})
    assert status == 413
    assert chunks <= MAX_BODY // CHUNK + 1  # of 12,800: the rest of 200 MB was never asked for


CHUNK = 16 * 1024


async def _pull_until_refused(headers: dict[str, str]) -> tuple[int, int]:
    """POST 200 MB from a generator through the app in-process; return the status and how many chunks the app pulled."""
    app = create_app(InterviewService(get_engine("offline"), judge=None))
    pulled = 0

    async def body():
        nonlocal pulled
        for _ in range(200 * 1024 * 1024 // CHUNK):
            pulled += 1
            yield b" " * CHUNK

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as ac:
        r = await ac.post("/sessions", content=body(), headers={"content-type": "application/json", **headers})
    assert r.json()["error"].startswith(f"Request body over {MAX_BODY:,} bytes")
    return r.status_code, pulled


def test_over_a_real_socket_the_server_answers_413_and_closes_while_the_client_is_still_sending():
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(InterviewService(get_engine("offline"), judge=None)), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (CHUNK, b" " * CHUNK)
            sent = 0
            for _ in range(8):  # up to 128 KiB, past the 64 kB cap, until the server answers
                if select.select([s], [], [], 0.1)[0]:
                    break  # the answer came while we were still sending: stop, so a reset cannot eat it
                try:
                    s.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += 1
            reply = _read_until_closed(s)
        assert sent < 8, "the server read the whole body before answering"
        head = reply.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.1 413") and b"connection: close" in head
        assert b"Request body over" in reply  # and the socket was closed: the rest of the body is never read
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _read_until_closed(s: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            got = s.recv(65536)
        except ConnectionResetError:
            return data
        if not got:
            return data
        data += got


def test_unknown_routes_and_methods_keep_the_error_shape(client):
    r = client.get("/nope")
    assert r.status_code == 404 and "/docs" in r.json()["error"]
    r = client.delete("/roles")
    assert r.status_code == 405 and r.json() == {"error": "Method Not Allowed"}
