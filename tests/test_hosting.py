"""A secrets file other accounts can read is warned about at start-up (by mode alone: its content is never read)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interview import cli
from interview.hosting import default_secrets_files, secrets_warnings, setup_notes

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
KEY = "gsk_do_not_show_me_0123456789"


def secrets_file(folder: Path, mode: int) -> Path:
    path = folder / ".streamlit" / "secrets.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'GROQ_API_KEY = "{KEY}"\n')
    os.chmod(path, mode)
    return path


@pytest.mark.parametrize(("mode", "said"), [(0o644, "can be read by"), (0o604, "can be read by"), (0o640, "can be read by"),
                                            (0o660, "can be read and changed by"), (0o622, "can be changed by")])
def test_a_secrets_file_others_can_open_is_named_with_the_fix(tmp_path, mode, said):
    path = secrets_file(tmp_path, mode)
    [warning] = secrets_warnings([path])
    assert str(path) in warning and said in warning and f"mode {mode:04o}" in warning
    assert f"chmod 600 {path}" in warning and KEY not in warning


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_private_or_missing_secrets_file_is_fine(tmp_path, mode):
    assert secrets_warnings([secrets_file(tmp_path, mode), tmp_path / "missing.toml"]) == []


@pytest.mark.parametrize("ip", [None, "127.0.0.1", "::1"])
def test_a_browser_on_this_machine_is_shown_the_file_and_the_fix(tmp_path, ip):
    path = secrets_file(tmp_path, 0o644)
    [note] = setup_notes(secrets_warnings([path]), ip)
    assert note.startswith("Server set-up: ") and str(path) in note and "chmod 600" in note and KEY not in note


@pytest.mark.parametrize("ip", ["203.0.113.7", "2001:db8::1", "10.0.0.2"])
def test_a_browser_elsewhere_is_told_only_that_the_log_has_it(tmp_path, ip):
    path = secrets_file(tmp_path, 0o644)
    [note] = setup_notes(secrets_warnings([path]), ip)
    assert str(path) not in note and "chmod" not in note and "server's log" in note
    assert setup_notes([], ip) == [] and setup_notes([], None) == []


def test_the_default_places_are_streamlits(tmp_path):
    home, cwd = tmp_path / "home", tmp_path / "project"
    assert default_secrets_files(cwd=cwd, home=home) == [home / ".streamlit" / "secrets.toml", cwd / ".streamlit" / "secrets.toml"]


def test_the_cli_logs_both_places(tmp_path, monkeypatch, caplog):
    home, project = tmp_path / "home", tmp_path / "project"
    monkeypatch.setenv("HOME", str(home))
    project.mkdir()
    monkeypatch.chdir(project)
    secrets_file(home, 0o644)
    secrets_file(project, 0o600)
    with caplog.at_level(logging.WARNING, logger="interview"):
        warnings = cli.log_setup_warnings()
    assert len(warnings) == 1 and str(home) in warnings[0]
    assert [r.getMessage() for r in caplog.records] == warnings


def test_serve_says_so_before_it_serves(tmp_path):
    """``python -m interview serve`` run from a folder whose secrets file is world-readable logs the warning."""
    path = secrets_file(tmp_path, 0o644)
    env = {**os.environ, "HOME": str(tmp_path / "home"), "INTERVIEW_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "interview", "serve", "--port", "0"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("chmod 600" in line for line in lines):
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    said = "".join(lines)
    assert f"{path} can be read by other accounts" in said, said[-2000:]
    assert KEY not in said
