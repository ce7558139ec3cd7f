"""Every temp file the app makes is removed on every path: private atomic writes, and the speech worker's folder."""

from __future__ import annotations

import errno
import os
import stat
import tempfile

import pytest

from interview.errors import SpeechUnavailable
from interview.files import private_directory, write_private
from interview.speech.tts import Pyttsx3Speaker

pytestmark = pytest.mark.unit


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()], ids=["full-disk", "interrupted"])
def test_a_failed_write_leaves_neither_temp_file_nor_target(tmp_path, failure):
    def failing(fd: int, data) -> int:
        if os.fstat(fd).st_size:  # the first piece lands, the second fails
            raise failure
        return os.write(fd, bytes(data[:10]))

    with pytest.raises(type(failure)):
        write_private(tmp_path / "a.wav", b"RIFF" * 1000, write=failing)
    assert list(tmp_path.iterdir()) == []


def test_a_private_write_is_0600_and_replaces_the_old_copy(tmp_path):
    old = os.umask(0)
    try:
        write_private(tmp_path / "a.wav", b"old")
        write_private(tmp_path / "a.wav", b"new")
    finally:
        os.umask(old)
    assert (tmp_path / "a.wav").read_bytes() == b"new" and mode(tmp_path / "a.wav") == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"]


def test_a_private_directory_is_made_or_tightened(tmp_path):
    os.chmod(tmp_path, 0o755)
    assert mode(private_directory(tmp_path)) == 0o700
    made = private_directory(tmp_path / "a" / "b")
    assert mode(made) == 0o700 and mode(tmp_path / "a") == 0o700


def test_no_temp_folder_for_the_speech_worker_means_no_speech_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))  # what mkdtemp uses: a /tmp that is not there
    speaker = Pyttsx3Speaker(cache_dir=tmp_path / "cache")
    assert speaker.available() is False
    with pytest.raises(SpeechUnavailable, match="no temp folder"):
        speaker.voices()
