"""Responsive under load: blocking work runs off the event loop, one write at a time per session, busy code runners say so.

The evidence is ordering, not timing: a request on session B completes while session A's code is still inside the
judge (held there until B is done), and two messages on one session never overlap inside the engine.
"""

from __future__ import annotations

import threading
import time

import anyio
import httpx
import pytest
from api_client import token_client

from interview import InterviewService, JsonFileStore, OfflineInterviewer, get_engine
from interview.api import create_app
from interview.errors import SandboxBusy
from interview.models import TestReport

pytestmark = pytest.mark.unit

CODING = {"role": "software_engineer", "num_questions": 1, "coding_questions": 1, "seed": 4}
PLAIN = {"role": "software_engineer", "num_questions": 3, "seed": 1}
CODE = {"code": "def f(*args):\n    return None\n", "language": "python"}
FIRST = "I reproduced the bug from the logs and found a race condition in the cache."
SECOND = "Then I added a regression test and a lock around the cache update."


class GatedJudge:
    """A judge whose run waits (in its worker thread) until the test releases it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def run(self, problem, code, language, mode):
        self.entered.set()
        self.release.wait(10)
        return TestReport(verdict="passed", passed=3, total=3)

    def reference_large_ms(self, problem, language):
        return None


class BusyJudge:
    """A judge whose sandbox pool has no runner free before its deadline."""

    def run(self, problem, code, language, mode):
        raise SandboxBusy("Every code runner stayed busy for 20 s; try again in a few seconds.", retry_after=7.2)

    def reference_large_ms(self, problem, language):
        return None


class SlowFirstEngine(OfflineInterviewer):
    """The offline interviewer, recording when each reply starts and ends; the first message takes a while."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, str]] = []
        self.first_entered = threading.Event()

    def decide(self, state, message):
        self.log.append(("start", message))
        if message == FIRST:
            self.first_entered.set()
            time.sleep(0.3)
        decision = super().decide(state, message)
        self.log.append(("end", message))
        return decision


async def _start(ac: httpx.AsyncClient, options: dict) -> tuple[str, dict[str, str]]:
    r = await ac.post("/sessions", json=options)
    assert r.status_code == 201, r.text
    return r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def test_a_slow_code_run_on_one_session_does_not_hold_up_another_session():
    judge = GatedJudge()
    app = create_app(InterviewService(get_engine("offline"), judge=judge))
    done: list[tuple[str, int]] = []

    async def scenario():
        async with _client(app) as ac:
            a, auth_a = await _start(ac, CODING)
            b, auth_b = await _start(ac, PLAIN)

            async def submit_a():
                r = await ac.post(f"/sessions/{a}/code/submit", json=CODE, headers=auth_a)
                done.append(("A", r.status_code))

            async def message_b():
                try:
                    assert await anyio.to_thread.run_sync(judge.entered.wait, 10), "A's code never reached the judge"
                    r = await ac.post(f"/sessions/{b}/messages", json={"message": FIRST}, headers=auth_b)
                    done.append(("B", r.status_code))
                finally:
                    judge.release.set()  # A may finish only now: had B waited for A, B would come second

            async with anyio.create_task_group() as tg:
                tg.start_soon(submit_a)
                tg.start_soon(message_b)

    anyio.run(scenario)
    assert done == [("B", 200), ("A", 200)]


def test_two_messages_on_one_session_are_both_recorded_in_order_and_never_overlap():
    engine = SlowFirstEngine()
    app = create_app(InterviewService(engine, judge=None))

    async def scenario():
        async with _client(app) as ac:
            sid, auth = await _start(ac, PLAIN)
            statuses = []

            async def send(message, after: threading.Event | None):
                if after is not None:
                    assert await anyio.to_thread.run_sync(after.wait, 10)
                statuses.append((await ac.post(f"/sessions/{sid}/messages", json={"message": message}, headers=auth)).status_code)

            async with anyio.create_task_group() as tg:
                tg.start_soon(send, FIRST, None)
                tg.start_soon(send, SECOND, engine.first_entered)  # sent while the first is inside the engine
            state = (await ac.get(f"/sessions/{sid}", headers=auth)).json()
            return statuses, state, app.state.gate.locks_held

    statuses, state, locks = anyio.run(scenario)
    assert statuses == [200, 200]
    assert [t["message"] for t in state["turns"]] == [FIRST, SECOND] and [t["index"] for t in state["turns"]] == [0, 1]
    assert engine.log == [("start", FIRST), ("end", FIRST), ("start", SECOND), ("end", SECOND)]
    assert locks == 0  # the lock went away with its last request


def test_processes_sharing_a_data_directory_take_turns_on_a_session_through_the_file_lock(tmp_path):
    # Two apps (as two --workers processes) on one store: each only knows its own in-process locks.
    engine = SlowFirstEngine()
    apps = [create_app(InterviewService(engine, JsonFileStore(tmp_path / "s"), judge=None), lock_dir=tmp_path / "s" / ".locks")
            for _ in range(2)]

    async def scenario():
        async with _client(apps[0]) as one, _client(apps[1]) as two:
            sid, auth = await _start(one, PLAIN)

            async def send(ac, message, after):
                if after is not None:
                    assert await anyio.to_thread.run_sync(after.wait, 10)
                assert (await ac.post(f"/sessions/{sid}/messages", json={"message": message}, headers=auth)).status_code == 200

            async with anyio.create_task_group() as tg:
                tg.start_soon(send, one, FIRST, None)
                tg.start_soon(send, two, SECOND, engine.first_entered)
            return (await two.get(f"/sessions/{sid}", headers=auth)).json()

    state = anyio.run(scenario)
    assert [t["message"] for t in state["turns"]] == [FIRST, SECOND]
    assert engine.log == [("start", FIRST), ("end", FIRST), ("start", SECOND), ("end", SECOND)]


def test_a_busy_sandbox_is_a_503_with_retry_after_and_the_draft_is_kept():
    client = token_client(InterviewService(get_engine("offline"), judge=BusyJudge()))
    sid = client.post("/sessions", json=CODING).json()["id"]
    for action in ("run", "submit"):
        r = client.post(f"/sessions/{sid}/code/{action}", json=CODE)
        assert r.status_code == 503 and r.headers["Retry-After"] == "8", r.text
        assert r.json() == {"error": "The code runners are all busy, so nothing was run: try again in 8 s."}
    view = client.get(f"/sessions/{sid}/code").json()
    assert view["draft"] == CODE["code"] and view["submissions"] == 0  # submit saved the draft before it queued


def test_code_waits_for_a_slot_only_so_long_then_is_told_busy():
    judge = GatedJudge()
    app = create_app(InterviewService(get_engine("offline"), judge=judge), code_slots=1, code_wait=0.3)

    async def scenario():
        async with _client(app) as ac:
            a, auth_a = await _start(ac, CODING)
            b, auth_b = await _start(ac, CODING)
            results = {}

            async def submit(name, sid, auth, after):
                if after is not None:
                    assert await anyio.to_thread.run_sync(after.wait, 10)
                r = await ac.post(f"/sessions/{sid}/code/run", json=CODE, headers=auth)
                results[name] = (r.status_code, r.headers.get("Retry-After"))
                judge.release.set()

            async with anyio.create_task_group() as tg:
                tg.start_soon(submit, "A", a, auth_a, None)
                tg.start_soon(submit, "B", b, auth_b, judge.entered)  # A holds the only slot
            retried = await ac.post(f"/sessions/{b}/code/run", json=CODE, headers=auth_b)
            return results, retried.status_code

    results, retried = anyio.run(scenario)
    assert results == {"B": (503, "10"), "A": (200, None)}
    assert retried == 200  # the slot is free again
