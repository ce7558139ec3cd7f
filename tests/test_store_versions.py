"""No lost updates in the stores: a save from a copy older than the stored one is refused, in one process or several."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from interview import InterviewOptions, InterviewService, JsonFileStore, MemoryStore, get_engine
from interview.errors import SessionConflict
from interview.store import CONFLICT

OPTIONS = InterviewOptions(role="software_engineer", num_questions=15, seed=2)
ANSWER = "I reproduced the bug from the logs and found a race condition in the cache."


@pytest.fixture(params=["memory", "file"])
def store(request, tmp_path):
    return MemoryStore() if request.param == "memory" else JsonFileStore(tmp_path / "data")


def _started(store) -> InterviewService:
    return InterviewService(get_engine("offline"), store, judge=None)


@pytest.mark.unit
def test_every_save_counts_and_the_callers_copy_follows(store):
    service = _started(store)
    state = service.start(OPTIONS)
    assert state.version == 1 and store.load(state.id).version == 1
    after = service.submit(state, ANSWER).state
    assert after.version == 2 and store.load(state.id) == after
    assert state.version == 1  # the service worked on a copy; the caller's object is as it was


@pytest.mark.unit
def test_a_stale_copy_is_refused_and_leaves_the_stored_copy_and_itself_untouched(store):
    service = _started(store)
    state = service.start(OPTIONS)
    tab_one, tab_two = store.load(state.id), store.load(state.id)
    saved = service.submit(tab_one, ANSWER).state
    before = tab_two.model_dump()
    with pytest.raises(SessionConflict, match=CONFLICT):
        service.submit(tab_two, "Could you give me a hint?")
    assert tab_two.model_dump() == before
    assert store.load(state.id) == saved
    with pytest.raises(SessionConflict):  # straight to the store too, and the copy's version stays
        store.save(tab_two)
    assert tab_two.version == 1
    reloaded = store.load(state.id)
    assert service.submit(reloaded, "Could you give me a hint?").state.version == 3  # after a reload it goes through


@pytest.mark.unit
def test_a_new_session_whose_id_is_taken_is_a_conflict(store):
    state = _started(store).start(OPTIONS)
    clash = state.model_copy(update={"version": 0, "summary": "someone else's"})
    with pytest.raises(SessionConflict):
        store.save(clash)
    assert store.load(state.id).summary == "" and clash.version == 0


@pytest.mark.unit
def test_a_copy_into_an_empty_store_is_saved(tmp_path):
    state = _started(MemoryStore()).start(OPTIONS)
    other = JsonFileStore(tmp_path / "elsewhere")
    other.save(state)  # nothing under its id there: nothing to lose
    assert other.load(state.id) == state and state.version == 2


@pytest.mark.unit
def test_threads_racing_on_one_session_either_save_or_are_refused(store):
    service = _started(store)
    sid = service.start(OPTIONS).id
    outcomes: list[str] = []
    go = threading.Barrier(8)

    def answer(n: int) -> None:
        state = store.load(sid)
        go.wait()
        try:
            service.submit(state, f"{ANSWER} ({n})")
            outcomes.append("saved")
        except SessionConflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(outcomes) == 8 and outcomes.count("saved") >= 1
    assert len(store.load(sid).turns) == outcomes.count("saved")


@pytest.mark.unit
def test_no_lock_file_stays_behind(tmp_path):
    store = JsonFileStore(tmp_path / "data")
    state = _started(store).start(OPTIONS)
    assert [p.name for p in store.directory.iterdir()] == [f"{state.id}.json"]


def _writer(directory: str, sid: str, first: int, count: int, results) -> None:
    """One process: ``count`` threads each load the session, answer, and save (no API, no other lock)."""
    store = JsonFileStore(Path(directory))
    service = InterviewService(get_engine("offline"), store, judge=None)
    go, done = threading.Barrier(count), []

    def answer(n: int) -> None:
        state = store.load(sid)
        go.wait()
        try:
            service.submit(state, f"{ANSWER} ({n})")
            done.append(n)
        except SessionConflict:
            pass

    threads = [threading.Thread(target=answer, args=(first + i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    results.put(done)


@pytest.mark.unit
def test_two_processes_writing_one_session_lose_nothing(tmp_path):
    directory = tmp_path / "data"
    sid = _started(JsonFileStore(directory)).start(OPTIONS).id
    context = multiprocessing.get_context("spawn")  # a fresh interpreter each, as two servers would be
    results = context.Queue()
    procs = [context.Process(target=_writer, args=(str(directory), sid, first, 10, results)) for first in (0, 10)]
    for p in procs:
        p.start()
    saved = sorted(results.get(timeout=120) + results.get(timeout=120))
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    stored = JsonFileStore(directory).load(sid)
    assert sorted(t.message for t in stored.turns) == sorted(f"{ANSWER} ({n})" for n in saved)  # each saved one, once
    assert len(stored.turns) == len(saved) >= 1 and stored.version == 1 + len(saved)


@pytest.mark.llm
def test_a_streamed_reply_saves_its_pending_message_then_its_turn(groq_engine, monkeypatch):
    monkeypatch.setenv("INTERVIEW_EMBEDDINGS", "off")  # only the saves are under test
    store = MemoryStore()
    service = InterviewService(groq_engine(), store, judge=None)
    state = service.start(OPTIONS)
    stream = service.submit_stream(state, ANSWER)
    assert store.load(state.id).pending == ANSWER and store.load(state.id).version == state.version + 1
    result = stream.wait()
    saved = store.load(state.id)
    assert saved.pending is None and saved.version == result.state.version == state.version + 2
    assert [t.message for t in saved.turns] == [ANSWER]
