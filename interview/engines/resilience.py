"""Retries with backoff and a circuit breaker, so a failing LLM costs a candidate seconds, not minutes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import LLMAuthError, LLMError, LLMRateLimited


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before calling again after a retryable failure."""

    retries: int = 2
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    max_wait: float = 4.0  # a Retry-After longer than this is not waited for: the turn falls back now

    def wait_before(self, attempt: int, error: LLMError) -> float | None:
        """Return the seconds to wait before retry number ``attempt`` (1-based), or None to give up."""
        if not error.retryable or attempt > self.retries:
            return None
        wait = error.retry_after if error.retry_after is not None else self.backoff * 2 ** (attempt - 1)
        return wait if wait <= self.max_wait else None


@dataclass
class CircuitBreaker:
    """Stop calling the LLM for a while after repeated failed turns; let one trial call through after.

    Shared by every session on the same engine (a provider outage affects them all), so it is
    guarded by a lock. ``clock`` is injectable for tests.
    """

    threshold: int = 3
    cooldown: float = 60.0
    auth_cooldown: float = 600.0  # a rejected key will not fix itself in a minute
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    reason: str = ""
    _open_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def remaining(self) -> float:
        """Return the seconds left before the LLM is tried again (0 when calls may go through)."""
        with self._lock:
            return max(0.0, self._open_until - self.clock())

    def is_open(self) -> bool:
        """Return True while calls should not be made."""
        return self.remaining() > 0

    def succeeded(self) -> None:
        """Record a good call: the count starts again."""
        with self._lock:
            self.failures, self.reason, self._open_until = 0, "", 0.0

    def failed(self, error: LLMError) -> None:
        """Record a failed turn; open the circuit after ``threshold`` in a row (at once for a bad key or a long Retry-After)."""
        with self._lock:
            self.failures += 1
            self.reason = str(error)
            pause = 0.0
            if isinstance(error, LLMAuthError):
                pause = self.auth_cooldown
            elif isinstance(error, LLMRateLimited) and error.retry_after and error.retry_after > 0:
                pause = error.retry_after if self.failures < self.threshold else max(error.retry_after, self.cooldown)
            elif self.failures >= self.threshold:
                pause = self.cooldown
            if pause:
                self._open_until = self.clock() + pause

    def reset(self) -> None:
        """Close the circuit now (after the user changes the key or the model)."""
        self.succeeded()
