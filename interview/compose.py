"""The composition root: the one place the session service is built, for the app, the CLI and the REST API.

Each entry point reads its ``Settings`` and calls ``build_service``; a keyword overrides one part (the engine a
browser session chose, a key the user pasted, the CLI's in-memory store, a test's or benchmark's judge).
"""

from __future__ import annotations

from .coding.judge import Judge, judge_from_settings
from .engines.base import Interviewer, engine_from_settings
from .service import InterviewService
from .settings import Settings
from .store import JsonFileStore, SessionStore

FROM_SETTINGS = object()  # build_service's default judge: the one the settings ask for (None when code does not run)


def build_service(settings: Settings, *, engine: str | Interviewer | None = None, model: str | None = None,
                  api_key: str | None = None, store: SessionStore | None = None,
                  judge: Judge | None | object = FROM_SETTINGS) -> InterviewService:
    """Build the session service the settings describe.

    ``engine`` is an engine name (default: the settings' choice) or a ready engine; ``model`` and ``api_key``
    override the settings' Groq model and key. ``store`` defaults to the sessions folder in ``settings.data_dir``;
    ``judge`` to ``judge_from_settings`` (None when code execution is off or the sandbox is not proven here).
    """
    if engine is None or isinstance(engine, str):
        engine = engine_from_settings(settings, name=engine, api_key=api_key, model=model)
    return InterviewService(engine, JsonFileStore(settings.data_dir) if store is None else store,
                            max_message_chars=settings.max_message_chars,
                            judge=judge_from_settings(settings) if judge is FROM_SETTINGS else judge)


__all__ = ["FROM_SETTINGS", "build_service"]
