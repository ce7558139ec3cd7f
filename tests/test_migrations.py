"""Sessions saved before schema versions still open, resume and export; migrations are pure and run in order.

The fixtures in tests/fixtures/sessions were saved by the code of commit 48101b4 (see make_fixtures.py there) and are
never regenerated: they stand for the data directories people already have.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from interview import InterviewService, JsonFileStore, MemoryStore, get_engine
from interview.errors import SessionConflict, SessionFinished, StoreError
from interview.migrations import MIGRATIONS, load_session, renamed, upgrade, v0_to_v1
from interview.models import SCHEMA_VERSION, Report
from interview.report import build_report, report_markdown

pytestmark = pytest.mark.unit

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "sessions").glob("*.json"))
ANSWER = ("I would start from the logs, reproduce the problem with a failing test, fix the root cause, and then check "
          "the metrics for a week so we know it stayed fixed.")


def raw_of(fixture: Path) -> dict:
    return json.loads(fixture.read_text(encoding="utf-8"))


def stored(tmp_path: Path, fixture: Path) -> tuple[JsonFileStore, str]:
    """A data directory holding the fixture, as the old code left it."""
    store = JsonFileStore(tmp_path / "data")
    store.directory.mkdir(mode=0o700)
    sid = raw_of(fixture)["id"]
    shutil.copyfile(fixture, store.directory / f"{sid}.json")
    return store, sid


def test_the_fixtures_are_the_old_shape_and_cover_what_they_should():
    raws = {f.stem: raw_of(f) for f in FIXTURES}
    assert len(raws) == 6 and all("schema_version" not in r and "version" not in r for r in raws.values())
    assert raws["a_finished"]["status"] == "finished" and raws["a_finished"]["summary"]
    active = raws["b_active_follow_up_hint"]
    assert active["hints_given"] == 1 and active["asked"][-1]["follow_ups"]
    attempts = raws["c_coding_run_submit"]["asked"][-1]["code"]["attempts"]
    assert [a["mode"] for a in attempts] == ["run", "submit"]
    assert any(t["delivery"] for t in raws["d_spoken_delivery"]["turns"])
    assert raws["e_rest_api_token"]["token_hash"] and raws["f_pending_message"]["pending"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.stem)
def test_every_saved_session_loads_at_the_current_schema(tmp_path, fixture):
    store, sid = stored(tmp_path, fixture)
    state = store.load(sid)
    assert state.schema_version == SCHEMA_VERSION and state.version == 1  # it had been saved: 1, never a new 0
    raw = raw_of(fixture)
    assert state.model_dump(mode="json", exclude={"schema_version", "version"}) == raw  # nothing else changed or lost


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.stem)
def test_every_saved_session_resumes_and_the_further_turn_is_saved(tmp_path, fixture):
    store, sid = stored(tmp_path, fixture)
    service = InterviewService(get_engine("offline"), store, judge=None)
    state = service.resume(sid)
    if state.status == "finished":
        with pytest.raises(SessionFinished):
            service.submit(state, ANSWER)
        return
    message = state.pending or ANSWER  # a pending message is resent, as the page does on reload
    result = service.submit(state, message, delivery=state.pending_delivery)
    again = JsonFileStore(store.directory).load(sid)
    assert again == result.state and again.version == 2 and again.pending is None
    assert again.turns[-1].message == message and again.turns[-1].reply
    assert again.token_hash == raw_of(fixture)["token_hash"]  # a session started over the API keeps its token
    with pytest.raises(SessionConflict):
        service.submit(state, ANSWER)  # the copy loaded before that turn is now stale


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.stem)
def test_every_saved_session_exports(tmp_path, fixture):
    store, sid = stored(tmp_path, fixture)
    report = build_report(store.load(sid))
    assert Report.model_validate_json(report.model_dump_json()) == report
    assert report_markdown(report).startswith("# Interview feedback")
    assert report.asked == len(raw_of(fixture)["asked"])


def test_the_finished_session_keeps_its_written_summary(tmp_path):
    fixture = next(f for f in FIXTURES if f.stem == "a_finished")
    store, sid = stored(tmp_path, fixture)
    service = InterviewService(get_engine("offline"), store, judge=None)
    state, report = service.finish(service.resume(sid))
    assert report.summary == raw_of(fixture)["summary"] and state.version == 1  # already written: nothing to save


def v1_to_v2(raw: dict) -> dict:
    """A rename-style migration, as a later schema might have: ``hints_given`` becomes ``hints``."""
    return {**renamed(raw, "hints_given", "hints"), "schema_version": 2}


def test_a_rename_migration_runs_after_the_earlier_ones_and_only_from_where_the_session_is():
    old = {"id": "abc", "hints_given": 2, "turns": [{"index": 0}]}
    assert upgrade(old, (v0_to_v1, v1_to_v2)) == {"id": "abc", "hints": 2, "turns": [{"index": 0}], "schema_version": 2,
                                                  "version": 1}
    newer = {"schema_version": 1, "version": 7, "hints_given": 1}
    assert upgrade(newer, (v0_to_v1, v1_to_v2)) == {"schema_version": 2, "version": 7, "hints": 1}
    assert upgrade({"schema_version": 2, "hints": 1}, (v0_to_v1, v1_to_v2)) == {"schema_version": 2, "hints": 1}
    assert renamed({"a": 1}, "b", "c") == {"a": 1}
    assert list(renamed({"x": 0, "b": 1, "y": 2}, "b", "c")) == ["x", "c", "y"]  # the key keeps its place


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.stem)
def test_migrations_are_pure(fixture):
    raw = raw_of(fixture)
    before = copy.deepcopy(raw)
    for migrate in (*MIGRATIONS, v1_to_v2):
        migrate(raw)
        assert raw == before, f"{migrate.__name__} changed its input"
    assert upgrade(raw) == upgrade(raw) and raw == before
    assert upgrade(upgrade(raw)) == upgrade(raw)  # a migrated session is not migrated again


def test_a_session_from_a_newer_version_is_refused_and_not_overwritten(tmp_path):
    fixture = FIXTURES[0]
    store, sid = stored(tmp_path, fixture)
    path = store.directory / f"{sid}.json"
    path.write_text(json.dumps({**raw_of(fixture), "schema_version": SCHEMA_VERSION + 1, "version": 3, "new_field": 1}))
    with pytest.raises(StoreError, match=r"saved by a newer version of Interview Practice Partner.*upgrade the app"):
        store.load(sid)
    older = load_session(fixture.read_bytes(), sid)  # the same session as this code knows it
    with pytest.raises(StoreError, match="newer version"):
        store.save(older)
    assert json.loads(path.read_text())["new_field"] == 1


@pytest.mark.parametrize("value", ['"one"', "-1", "true", "1.5"])
def test_a_nonsense_schema_version_is_unreadable_not_a_crash(tmp_path, value):
    store = JsonFileStore(tmp_path / "data")
    store.directory.mkdir(mode=0o700)
    raw = raw_of(FIXTURES[0])
    (store.directory / "abc.json").write_text(json.dumps(raw)[:-1] + f', "schema_version": {value}}}')
    with pytest.raises(StoreError, match="Saved session 'abc' could not be read: schema_version"):
        store.load("abc")


def test_the_memory_store_reads_through_the_migrations_too():
    store = MemoryStore()
    state = load_session(FIXTURES[1].read_bytes(), "fixture")
    store.save(state)
    assert store.load(state.id) == state and state.version == 2
