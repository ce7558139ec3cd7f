"""The composition root: the service the app, the CLI and the API build from their settings."""

from __future__ import annotations

import pytest

from interview import DEFAULT_MODEL, InterviewOptions, JsonFileStore, MemoryStore, OfflineInterviewer, Settings, build_service
from interview.cli import _parser, _service

pytestmark = pytest.mark.unit


def off(tmp_path, **values) -> Settings:
    """Settings with code execution off (no sandbox probe in a unit test)."""
    return Settings(data_dir=tmp_path, code_execution=False, **values)


def test_the_settings_choose_the_engine_store_message_cap_and_judge(tmp_path):
    service = build_service(off(tmp_path, max_message_chars=500))
    assert service.engine.name == "offline" and service.judge is None and service.max_message_chars == 500
    assert isinstance(service.store, JsonFileStore)
    saved = service.start(InterviewOptions(role="general", num_questions=3))
    assert build_service(off(tmp_path)).resume(saved.id).id == saved.id  # the same sessions folder


def test_each_keyword_overrides_one_part(tmp_path):
    store, engine, judge = MemoryStore(), OfflineInterviewer(), object()
    service = build_service(off(tmp_path), engine=engine, store=store, judge=judge)
    assert service.engine is engine and service.store is store and service.judge is judge
    groq = build_service(off(tmp_path), engine="groq", api_key="gsk_user", model="some-model")
    assert groq.engine.name == "groq" and groq.engine.model == "some-model"


def test_the_default_model_is_written_once(capsys, monkeypatch):
    assert Settings().groq_model == DEFAULT_MODEL
    monkeypatch.setenv("COLUMNS", "500")  # help on one line: argparse would otherwise wrap the model id at a hyphen
    with pytest.raises(SystemExit):
        _parser().parse_args(["practice", "--help"])
    assert f"(default: GROQ_MODEL or {DEFAULT_MODEL})" in capsys.readouterr().out


def test_the_cli_keeps_its_sessions_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("INTERVIEW_CODE_EXECUTION", "off")
    service = _service(_parser().parse_args(["practice", "--engine", "offline"]))
    assert isinstance(service.store, MemoryStore) and service.engine.name == "offline" and service.judge is None
