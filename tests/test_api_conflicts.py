"""No lost updates over HTTP: a save that does not match the stored version is a 409, never a silent overwrite.

The done criterion of issue 13: two ``python -m interview serve`` processes on one data directory, 20 concurrent
messages to one session split across them; every message is either saved (200) or refused (409), none lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from api_client import token_client
from conftest import free_port

from interview import InterviewService, JsonFileStore, OfflineInterviewer

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
CONFLICT = "This interview was changed in another tab or window since it was loaded."
OPTIONS = {"role": "software_engineer", "num_questions": 15, "seed": 2}
MESSAGES = [f"I fixed bug number {n} by reading the logs." for n in range(20)]


class RacedStore(JsonFileStore):
    """A JSON-file store where, once ``race`` is set, another writer saves the session just before the next save."""

    race = False

    def save(self, state):
        if self.race:
            self.race = False
            super().save(self.load(state.id))  # as a second process would: the stored copy is now one version ahead
        super().save(state)


def test_a_save_over_a_newer_stored_copy_is_a_409_and_the_stored_copy_stays(tmp_path):
    store = RacedStore(tmp_path / "data")
    client = token_client(InterviewService(OfflineInterviewer(), store, judge=None))
    sid = client.post("/sessions", json=OPTIONS).json()["id"]
    store.race = True
    r = client.post(f"/sessions/{sid}/messages", json={"message": MESSAGES[0]})
    assert r.status_code == 409 and r.json()["error"].startswith(CONFLICT), r.text
    assert store.load(sid).turns == []  # nothing half-saved; a reload shows the interview as it is
    r = client.post(f"/sessions/{sid}/messages", json={"message": MESSAGES[0]})  # sent again, on the reloaded copy
    assert r.status_code == 200 and [t.message for t in store.load(sid).turns] == [MESSAGES[0]]


def _call(port: int, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _wait_until_up(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if _call(port, "GET", "/roles")[0] == 200:
                return
        except OSError:
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.3)


def _fire(ports: list[int], sid: str, token: str) -> list[tuple[int, dict]]:
    """Send every message at once from its own thread, alternately to each server."""
    results: list[tuple[int, dict]] = [(0, {})] * len(MESSAGES)
    go = threading.Barrier(len(MESSAGES))

    def send(i: int) -> None:
        go.wait()
        results[i] = _call(ports[i % len(ports)], "POST", f"/sessions/{sid}/messages", {"message": MESSAGES[i]}, token)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(MESSAGES))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_two_serve_processes_on_one_data_directory_lose_no_message(tmp_path):
    env = {**os.environ, "INTERVIEW_DATA_DIR": str(tmp_path / "api"), "INTERVIEW_CODE_EXECUTION": "off"}
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "interview", "serve", "--port", str(p)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait_until_up(port, proc)
        status, start = _call(ports[0], "POST", "/sessions", OPTIONS)
        assert status == 201, start
        results = _fire(ports, start["id"], start["token"])
        _, state = _call(ports[1], "GET", f"/sessions/{start['id']}", token=start["token"])
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
    statuses = [s for s, _ in results]
    saved = [t for t in state["turns"] if t["message"] in MESSAGES]
    print(f"\n200: {statuses.count(200)}, 409: {statuses.count(409)}, stored: {len(saved)} of {len(MESSAGES)}")
    assert set(statuses) <= {200, 409}, results
    assert all(body["error"].startswith(CONFLICT) for s, body in results if s == 409)
    assert state["status"] == "active"  # so a 409 can only be a conflict, never "the interview has ended"
    assert len(saved) == statuses.count(200), f"{statuses.count(200)} answered 200 but {len(saved)} were stored"
    assert len({t["message"] for t in saved}) == len(saved)
