"""Interview Practice Partner: the session service and interviewer engines (no Streamlit here)."""

from .bank import builtin_roles, find_role, load_bank
from .compose import build_service
from .engines import Interviewer, OfflineInterviewer, available_engines, get_engine
from .engines.base import Notice, engine_from_settings
from .engines.groq_client import DEFAULT_MODEL, FAST_MODEL, GroqConfig, check_connection, list_models
from .engines.llm import LLMInterviewer
from .engines.resilience import CircuitBreaker, RetryPolicy
from .errors import (
                     BankError,
                     ConfigError,
                     EngineError,
                     EngineUnavailable,
                     InterviewError,
                     LLMAuthError,
                     LLMError,
                     LLMPaused,
                     SessionError,
                     SessionFinished,
                     StoreError,
                     TurnNotFound,
)
from .models import (
                     AskedQuestion,
                     Assessment,
                     DimensionScore,
                     Evidence,
                     Intent,
                     InterviewOptions,
                     Kind,
                     Question,
                     Report,
                     Role,
                     SessionState,
                     TalkingPoint,
                     Turn,
)
from .report import build_report, report_markdown
from .rubric import DIMENSIONS, LABELS
from .service import InterviewService, SubmitResult, TurnStream, current_prompt, scored_turns
from .settings import Settings
from .store import JsonFileStore, MemoryStore, SessionStore

__all__ = [
    "DEFAULT_MODEL", "FAST_MODEL", "CircuitBreaker", "GroqConfig", "LLMAuthError", "LLMError", "LLMInterviewer", "LLMPaused",
    "Notice", "RetryPolicy", "TurnStream", "check_connection", "engine_from_settings", "list_models",
    "DIMENSIONS", "LABELS", "Assessment", "AskedQuestion", "BankError", "ConfigError", "DimensionScore", "EngineError",
    "EngineUnavailable", "Evidence", "Intent", "InterviewError", "InterviewOptions", "InterviewService", "Interviewer",
    "JsonFileStore", "Kind", "MemoryStore", "OfflineInterviewer", "Question", "Report", "Role", "SessionError",
    "SessionFinished", "SessionState", "SessionStore", "Settings", "StoreError", "SubmitResult", "TalkingPoint", "Turn",
    "TurnNotFound", "available_engines", "build_report", "build_service", "builtin_roles", "current_prompt", "find_role",
    "get_engine", "load_bank", "report_markdown", "scored_turns",
]
