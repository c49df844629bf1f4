"""What both API clients share: failure classes, the retry policy, closing the connection.

Retryable: connection errors, timeouts, lost responses, 5xx and a 429 for a per-minute limit —
retried with exponential backoff (jittered), or after ``Retry-After`` when the server says how
long. A 429 for a per-day limit is not retried: the run stops cleanly and the next one resumes.
Writes are only retried because every write carries an ``Idempotency-Key``: a retry of a write
whose response was lost replays the first response instead of writing twice.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Self

import httpx
import tenacity


class ApiError(Exception):
    """A call that failed for good. ``retryable`` says whether a later run may succeed by itself."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class RetryableApiError(ApiError):
    """5xx, a minute rate limit, a timeout or a lost connection: worth trying again."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None, body: Any = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


class DailyLimitReached(ApiError):
    """The API's per-day call limit is used up: stop now, resume in the next run."""

    retryable = True


class AuthError(ApiError):
    """Credentials were refused: a person must fix the configuration."""


class NotFound(ApiError):
    """The resource does not exist."""


class BadRequest(ApiError):
    """The API refused the request as invalid (validation errors and the like)."""


def decode_json(response: httpx.Response) -> Any:
    """The JSON body with every number that has a fraction as ``Decimal`` (money never as float)."""
    if not response.content:
        return None
    return json.loads(response.content, parse_float=Decimal)


class UnreadableAnswer(ApiError):
    """A success status with a body that is not the API's JSON: a proxy, login or maintenance page."""


def decode_answer(response: httpx.Response, what: str, setting: str) -> Any:
    """The JSON body of a success answer, or :class:`UnreadableAnswer` saying what came instead."""
    try:
        return decode_json(response)
    except ValueError:
        kind = response.headers.get("Content-Type", "no Content-Type").split(";")[0]
        start = " ".join(response.text[:60].split())
        raise UnreadableAnswer(f"{what}: the answer ({response.status_code}, {kind}) is not JSON but {start!r}… — "
                               f"check that {setting} is the API's address and nothing (a proxy, a login page) "
                               "stands in between", status=response.status_code, body=response.text[:2000]) from None


def expect_shape(value: Any, kind: type, what: str, part: str) -> Any:
    """``value`` if it is a ``kind`` (dict or list), else an :class:`UnreadableAnswer` naming the part."""
    if not isinstance(value, kind):
        expected = {dict: "an object", list: "a list"}[kind]
        raise UnreadableAnswer(f"{what}: {part} should be {expected} but is {type(value).__name__} "
                               f"{str(value)[:60]!r} — the API's answer is not in the shape the sync reads")
    return value


def retry_after_seconds(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


class RetryPolicy:
    """How often and how long to retry retryable failures (tenacity underneath)."""

    def __init__(self, attempts: int = 6, base_delay: float = 0.5, max_delay: float = 30.0,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep if sleep is not None else tenacity.nap.sleep

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableApiError) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_delay * 4)
        backoff = self.base_delay * (2 ** (state.attempt_number - 1))
        return min(self.max_delay, backoff) * (0.5 + random.random() / 2)

    def call(self, fn: Callable[[], Any]) -> Any:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception(
                lambda e: isinstance(e, RetryableApiError) and not isinstance(e, DailyLimitReached)
            ),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(fn)


def transport_error(exc: httpx.TransportError, what: str) -> RetryableApiError:
    """A network failure as a retryable error with a message a person understands."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "lost the connection"
    return RetryableApiError(f"{what}: the request {kind} ({type(exc).__name__}: {exc})")


class ClosingClient:
    """An API client over one ``httpx.Client`` (``self._http``), closed by ``close()`` or by ``with``."""

    _http: httpx.Client

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
