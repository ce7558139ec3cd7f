"""Saved sessions are private (directory 0700, files 0600), a failed save leaves no temp file, and a bad file is not quoted."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from interview import InterviewOptions, InterviewService, get_engine
from interview.errors import StoreError
from interview.files import private_directory
from interview.store import JsonFileStore

pytestmark = pytest.mark.unit

SECRET = "my salary at Initech was 81,250"  # what a session file holds: the candidate's own words


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    """Run with umask 000, so nothing is private by accident of the environment."""
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.fixture
def state(tmp_path):
    service = InterviewService(get_engine("offline"), JsonFileStore(tmp_path / "unused"))
    return service.start(InterviewOptions(role="software_engineer", num_questions=2))


def test_a_saved_session_is_private_to_this_account(tmp_path, loose_umask, state):
    store = JsonFileStore(tmp_path / "home" / "data")
    store.save(state)
    assert mode(tmp_path / "home" / "data") == 0o700
    assert mode(tmp_path / "home") == 0o700  # a parent made for it too
    assert mode(store.directory / f"{state.id}.json") == 0o600
    assert store.load(state.id) == state


def test_an_existing_open_directory_is_tightened(tmp_path, loose_umask, state):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    JsonFileStore(folder).save(state)
    assert mode(folder) == 0o700


def test_a_full_disk_half_way_through_leaves_the_old_copy_and_no_temp_file(tmp_path, state):
    store = JsonFileStore(tmp_path / "data")
    store.save(state)
    written: list[int] = []

    def full_disk(fd: int, data) -> int:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(os.write(fd, bytes(data[:100])))  # the first piece fits, the next does not
        return written[-1]

    changed = state.model_copy(update={"summary": SECRET})
    with pytest.raises(StoreError, match="No space left on device.*disk has room") as info:
        JsonFileStore(store.directory, write=full_disk).save(changed)
    assert SECRET not in str(info.value)
    assert sorted(p.name for p in store.directory.iterdir()) == [f"{state.id}.json"]  # nothing else: no temp file
    assert store.load(state.id) == state
    assert store.list_ids() == [state.id]


def test_a_refused_rename_leaves_no_temp_file(tmp_path, state):
    folder = tmp_path / "data"
    (folder / f"{state.id}.json").mkdir(parents=True)  # a directory where the file should go: the rename fails
    with pytest.raises(StoreError, match="Could not save"):
        JsonFileStore(folder).save(state)
    assert [p.name for p in folder.iterdir()] == [f"{state.id}.json"]


@pytest.mark.parametrize("content", [
    f'{{"id": "abc", "summary": "{SECRET}"}}'.encode(),
    f"not json at all: {SECRET}".encode(),
    f'{{"id": "abc", "turns": "{SECRET}"}}'.encode(),
    b"\xff\xfe\x00" + SECRET.encode("utf-16-le"),
], ids=["missing-fields", "not-json", "wrong-type", "binary"])
def test_an_unreadable_session_file_is_described_not_quoted(tmp_path, content):
    folder = private_directory(tmp_path / "data")
    (folder / "abc.json").write_bytes(content)
    with pytest.raises(StoreError, match="Saved session 'abc' could not be read: .*start a new interview") as info:
        JsonFileStore(folder).load("abc")
    message = str(info.value)
    assert "Initech" not in message and "81,250" not in message and "I\x00n" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no chained error quoting it in a traceback
