"""Every error the interview package raises on purpose.

    InterviewError                 base: pages and the CLI catch only this family
    ├── ConfigError                a setting is missing or wrong
    ├── BankError                  the question bank data is invalid
    ├── EngineError                an interviewer engine cannot do its work
    │   └── EngineUnavailable      the engine cannot be used at all (no key, unknown name)
    ├── SessionError               the session cannot do what was asked
    │   ├── SessionFinished        the interview is over; start a new one
    │   └── TurnNotFound           an edit names a turn that does not exist or is not an answer
    └── StoreError                 a session could not be saved or loaded

Each message says what to do next.
"""

from __future__ import annotations


class InterviewError(Exception):
    """Base class for the project's own errors."""


class ConfigError(InterviewError):
    """A setting is missing or has a wrong value."""


class BankError(InterviewError):
    """The question bank data is invalid."""


class EngineError(InterviewError):
    """An interviewer engine failed to produce a reply."""


class EngineUnavailable(EngineError):
    """The engine cannot be used (unknown name, missing key)."""


class SessionError(InterviewError):
    """The session cannot do what was asked."""


class SessionFinished(SessionError):
    """The interview has ended; start a new one to continue practising."""


class TurnNotFound(SessionError):
    """The turn to edit does not exist or was not an answer."""


class StoreError(InterviewError):
    """A session could not be saved or loaded."""
