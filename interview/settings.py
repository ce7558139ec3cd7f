"""All settings in one typed object, filled from the environment (or st.secrets) at the entry point."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

DEFAULT_DATA_DIR = Path.home() / ".interview-practice-partner"


class Settings(BaseModel):
    """How the app runs. Every field can be set by an environment variable named in its description."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str = Field(default="offline", description="Interviewer engine (INTERVIEW_ENGINE): 'offline'.")
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Where sessions are saved (INTERVIEW_DATA_DIR).")
    max_message_chars: int = Field(default=4000, ge=200, le=50_000,
                                   description="Longer messages are cut, with a notice (INTERVIEW_MAX_MESSAGE_CHARS).")
    default_questions: int = Field(default=6, ge=1, le=15, description="Questions per interview (INTERVIEW_QUESTIONS).")

    @classmethod
    def from_sources(cls, env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None) -> Settings:
        """Build settings from st.secrets-style values, overridden by environment variables."""
        env = os.environ if env is None else env
        names = {"engine": "INTERVIEW_ENGINE", "data_dir": "INTERVIEW_DATA_DIR",
                 "max_message_chars": "INTERVIEW_MAX_MESSAGE_CHARS", "default_questions": "INTERVIEW_QUESTIONS"}
        values: dict[str, Any] = {}
        for field, var in names.items():
            for source in (secrets or {}, env):
                if source.get(var) not in (None, ""):
                    values[field] = source[var]
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(f"{names[str(e['loc'][0])]}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"Invalid setting: {problems}. Fix it in the environment or .streamlit/secrets.toml.") from exc
