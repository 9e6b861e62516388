"""The one retry policy for every remote call (reliability rule 1)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type

from martflow.errors import RemoteUnavailableError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry transient remote failures.

    A ``Retry-After`` longer than ``max_wait`` is not waited out: the call fails
    and the work stays queued for ``sync``.
    """

    attempts: int = 4
    base_wait: float = 0.5
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hinted: object = getattr(error, "retry_after", None)
        if isinstance(hinted, int | float | str):
            return min(float(hinted), self.max_wait)
        backoff = self.base_wait * (2.0 ** (state.attempt_number - 1))
        return min(backoff, self.max_wait) * (0.5 + random.random() / 2)

    def _stop(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self.attempts:
            return True
        error = state.outcome.exception() if state.outcome else None
        hinted = getattr(error, "retry_after", None)
        return hinted is not None and float(hinted) > self.max_wait

    def read(self, fn: Callable[[], T]) -> T:
        """Call a read (safe to repeat) with retries on transient failures."""
        return self._retrying(retry_if_exception_type(RemoteUnavailableError))(fn)

    def write(self, send: Callable[[], T], reconcile: Callable[[], T | None]) -> T:
        """Call a write that must take effect once.

        A failure that certainly did not apply (``applied=False``) is resent; an
        ambiguous one is reconciled first (``reconcile`` returns the existing
        result if the write did land) and only then resent.
        """
        ambiguous = False

        def attempt() -> T:
            nonlocal ambiguous
            if ambiguous:
                found = reconcile()
                if found is not None:
                    return found
            try:
                return send()
            except RemoteUnavailableError as exc:
                ambiguous = exc.applied is not False
                raise

        return self._retrying(retry_if_exception_type(RemoteUnavailableError))(attempt)

    def _retrying(self, retry: object) -> Retrying:
        return Retrying(
            stop=self._stop,
            wait=self._wait,
            # mypy: tenacity's retry strategy, built by the caller
            retry=retry,  # type: ignore[arg-type]
            sleep=self.sleep,
            reraise=True,
        )
