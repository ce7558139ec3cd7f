"""Every error the interview package raises on purpose.

    InterviewError                 base: pages and the CLI catch only this family
    ├── ConfigError                a setting is missing or wrong
    ├── BankError                  the question bank data is invalid
    ├── EngineError                an interviewer engine cannot do its work
    │   ├── EngineUnavailable      the engine cannot be used at all (no key, unknown name)
    │   └── LLMError               one call to the language model failed (the turn falls back)
    │       ├── LLMAuthError       the API key was rejected (401/403): not retried
    │       ├── LLMRateLimited     429: retried after Retry-After when that is short
    │       ├── LLMServerError     5xx: retried with backoff
    │       ├── LLMTimeout         no answer within the timeout
    │       ├── LLMConnectionError the connection failed or the stream was cut
    │       ├── LLMOutputError     the reply was empty or not the JSON asked for
    │       └── LLMPaused          the circuit breaker is open: the LLM is not called for a while
    ├── SessionError               the session cannot do what was asked
    │   ├── SessionFinished        the interview is over; start a new one
    │   ├── TurnNotFound           an edit names a turn that does not exist or is not an answer
    │   ├── NotCodingQuestion      code was sent while the open question is not a coding exercise
    │   ├── CodeExecutionDisabled  Run was pressed on a server with code execution turned off
    │   └── SessionConflict        the session changed elsewhere (another tab or process) since it was loaded
    ├── StoreError                 a session could not be saved or loaded
    ├── SpeechError                speech could not be transcribed or spoken
    │   └── SpeechUnavailable      no speech engine / model here: carry on in text
    └── SandboxError               the code sandbox could not start or lost its worker
        ├── SandboxBusy            every runner stayed busy past the wait deadline: try again shortly
        └── SandboxUnsafe          isolation could not be proven on this host: code execution is off

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


class SessionConflict(SessionError):
    """The stored session is newer than the copy being saved (another tab or server process changed it): reload it."""


class SessionFinished(SessionError):
    """The interview has ended; start a new one to continue practising."""


class TurnNotFound(SessionError):
    """The turn to edit does not exist or was not an answer."""


class NotCodingQuestion(SessionError):
    """Code was sent while the open question is not a coding exercise."""


class CodeExecutionDisabled(SessionError):
    """Code execution is turned off on this server (INTERVIEW_CODE_EXECUTION=off)."""


class StoreError(InterviewError):
    """A session could not be saved or loaded."""


class LLMError(EngineError):
    """One call to the language model failed; the session falls back to the offline engine for the turn."""

    retryable = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMAuthError(LLMError):
    """The provider rejected the API key."""


class LLMRateLimited(LLMError):
    """The provider asked us to slow down (HTTP 429)."""

    retryable = True


class LLMServerError(LLMError):
    """The provider failed (HTTP 5xx)."""

    retryable = True


class LLMTimeout(LLMError):
    """The provider did not answer in time."""


class LLMConnectionError(LLMError):
    """The connection failed, or the reply stream stopped midway."""

    retryable = True


class LLMOutputError(LLMError):
    """The model's reply was empty or did not validate."""


class LLMPaused(LLMError):
    """The circuit breaker is open after repeated failures; the model is not called until it closes."""


class SpeechError(InterviewError):
    """Audio could not be transcribed, or text could not be spoken."""


class SpeechUnavailable(SpeechError):
    """No speech backend is available here (no model, no espeak-ng); the interview carries on in text."""


class SandboxError(InterviewError):
    """The code sandbox could not start or lost its worker; the submission was not judged."""


class SandboxBusy(SandboxError):
    """Every code runner stayed busy past the wait deadline (or the queue is full); nothing was run."""

    def __init__(self, message: str, *, retry_after: float = 5.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SandboxUnsafe(SandboxError):
    """The sandbox could not prove its isolation on this host at start-up, so candidates' code is not run."""
