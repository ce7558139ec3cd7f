"""``python -m interview export SESSION_ID``: a saved session's report, as Markdown or as the Report model's JSON."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from interview.cli import main
from interview.models import Report

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "sessions").glob("*.json"))


def run(*args: str) -> tuple[int, str, str]:
    """main(ARGS) in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse, on bad arguments
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def data(tmp_path) -> Path:
    """A data directory holding every fixture session (saved by older code), by id."""
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    for fixture in FIXTURES:
        shutil.copyfile(fixture, folder / f"{json.loads(fixture.read_text())['id']}.json")
    return folder


def _ids() -> list[tuple[str, str]]:
    return [(f.stem, json.loads(f.read_text())["id"]) for f in FIXTURES]


@pytest.mark.parametrize(("name", "sid"), _ids(), ids=[n for n, _ in _ids()])
def test_export_prints_markdown_and_json_that_loads_back(data, name, sid):
    code, out, err = run("export", sid, "--data-dir", str(data), "--format", "md")
    assert code == 0 and err == "" and out.startswith("# Interview feedback") and out.endswith("\n")
    code, out, err = run("export", sid, "--data-dir", str(data), "--format", "json")
    assert code == 0 and err == ""
    report = Report.model_validate_json(out)
    assert report.asked == len(json.loads((data / f"{sid}.json").read_text())["asked"])


def test_markdown_is_the_default_and_the_data_dir_defaults_to_the_settings(data, monkeypatch):
    monkeypatch.setenv("INTERVIEW_DATA_DIR", str(data))
    sid = _ids()[0][1]
    code, out, _ = run("export", sid)
    assert code == 0 and out.startswith("# Interview feedback")


def test_o_writes_the_file_and_prints_its_path(data, tmp_path):
    finished = dict(_ids())["a_finished"]
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    code, out, _ = run("export", finished, "--data-dir", str(data), "--format", "json", "-o", str(target))
    assert code == 0 and out.strip() == str(target)
    report = Report.model_validate_json(target.read_text(encoding="utf-8"))
    assert report.summary == json.loads((data / f"{finished}.json").read_text())["summary"]
    md = tmp_path / "out" / "report.md"
    assert run("export", finished, "--data-dir", str(data), "-o", str(md))[0] == 0
    assert md.read_text(encoding="utf-8").startswith("# Interview feedback")
    assert not (data / f"{finished}.lock").exists() and json.loads((data / f"{finished}.json").read_text()).get(
        "version") is None  # exporting reads; it never rewrites the session


def test_a_missing_session_is_a_clear_error_with_exit_status_1(data):
    code, out, err = run("export", "0123456789abcdef", "--data-dir", str(data), "--format", "json")
    assert code == 1 and out == ""
    assert "no saved session '0123456789abcdef'" in err and str(data) in err and "--data-dir" in err


def test_an_unreadable_or_invalid_session_is_exit_status_1_without_quoting_it(data):
    (data / "broken.json").write_text('{"id": "broken", "summary": "my salary at Initech"}')
    code, out, err = run("export", "broken", "--data-dir", str(data))
    assert code == 1 and out == "" and "could not be read" in err and "Initech" not in err
    assert run("export", "../etc/passwd", "--data-dir", str(data))[0] == 1


def test_bad_arguments_are_usage_errors(data):
    assert run("export", "x", "--format", "pdf", "--data-dir", str(data))[0] == 2
    assert run("export")[0] == 2


def test_an_unwritable_output_says_so(data, tmp_path):
    code, _, err = run("export", _ids()[0][1], "--data-dir", str(data), "-o", str(tmp_path / "no" / "such" / "r.md"))
    assert code == 2 and "Could not write" in err and "-o" in err


def test_export_runs_as_a_command(data):
    env = {**os.environ, "INTERVIEW_EMBEDDINGS": "off"}
    sid = dict(_ids())["c_coding_run_submit"]
    command = [sys.executable, "-m", "interview", "export", sid, "--data-dir", str(data), "--format", "json"]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = Report.model_validate_json(proc.stdout)
    assert any(q.coding is not None for q in report.questions)
