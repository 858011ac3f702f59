"""GET with retries for the Hugging Face API and arxiv.org full texts (httpx + tenacity).

Retried, with jittered exponential backoff: connect/read errors and timeouts, 429 and
5xx (honouring ``Retry-After`` up to ``retry_max_wait_seconds``), never sooner than
``min_wait`` (arxiv.org's politeness delay). Any other status is not transient and raises
:class:`~paperdigest.errors.FetchError` at once.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from paperdigest import __version__
from paperdigest.config import Settings
from paperdigest.errors import FetchError

__all__ = ["USER_AGENT", "get", "is_transient", "make_client"]

log = logging.getLogger(__name__)

USER_AGENT = f"paperdigest/{__version__} (daily Korean paper digest)"


def is_transient(status: int | None) -> bool:
    """Whether a failed request may succeed later, the rule :func:`get` retries by: no
    answer at all (``None``: connect/read error, timeout), 429 or a 5xx status."""
    return status is None or status == 429 or status >= 500


class _Transient(Exception):
    """An answer worth retrying (429, 5xx); carries the server's Retry-After, if any."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.retry_after = _retry_after(response)
        super().__init__(f"HTTP {response.status_code}")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # the HTTP-date form is rare on these hosts; fall back to backoff


def make_client(settings: Settings) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with the configured timeout and paperdigest's User-Agent."""
    return httpx.AsyncClient(
        timeout=settings.http_timeout_seconds,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
    )


async def get(
    client: httpx.AsyncClient,
    url: str,
    settings: Settings,
    params: dict[str, Any] | None = None,
    min_wait: float = 0.0,
) -> httpx.Response:
    """GET ``url`` and return its 200 response, retrying what is transient.

    Args:
        client: from :func:`make_client`.
        url: the full URL.
        settings: ``http_retries`` (retries after the first try) and
            ``retry_max_wait_seconds`` (cap of one backoff, seconds).
        params: query parameters.
        min_wait: the least wait before a retry, seconds, counted from the end of the
            failed try (so also from its start). arxiv.org passes ``arxiv_delay_seconds``:
            its terms ask for one request every three seconds, retries included, and a 429
            asks for slower, not faster. A longer backoff or ``Retry-After`` wins.

    Returns:
        The response, status 200.

    Raises:
        FetchError: a non-transient status (e.g. 404, with ``.status``), or transient
            failures outlasting the retries (``.status`` None for a network error).
    """
    backoff = wait_random_exponential(multiplier=0.5, max=settings.retry_max_wait_seconds)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return max(min_wait, min(exc.retry_after, settings.retry_max_wait_seconds))
        return max(min_wait, float(backoff(state)))

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.debug("retrying %s after %s (try %d)", url, exc, state.attempt_number)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(settings.http_retries + 1),
        wait=wait,
        retry=retry_if_exception_type((_Transient, httpx.TransportError)),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                response = await client.get(url, params=params)
                if is_transient(response.status_code):
                    raise _Transient(response)
                if response.status_code != 200:
                    raise FetchError(str(response.url), response.status_code)
                return response
    except _Transient as exc:
        raise FetchError(str(exc.response.url), exc.response.status_code, "after retries") from exc
    except httpx.TransportError as exc:
        raise FetchError(url, None, f"{type(exc).__name__} after retries") from exc
    raise AssertionError("unreachable: tenacity either returns or re-raises")
