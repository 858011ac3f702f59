"""GET with retries for the Hugging Face API, arxiv.org full texts and the Zotero Web API
(httpx2 + tenacity).

Retried, with jittered exponential backoff: connect/read errors and timeouts, 429 and
5xx (honouring ``Retry-After`` up to ``retry_max_wait_seconds``). Requests to arxiv.org
pass the command's :class:`~paperdigest.sources.pacing.Pacer`, which each try holds. Any
other status is not transient and raises :class:`~paperdigest.errors.FetchError` at once.

:func:`retry_after` is the one Retry-After parser: this module's retries and the model
client's 429 hook both read the header through it.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx2
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

if TYPE_CHECKING:
    from paperdigest.sources.pacing import Pacer

__all__ = ["USER_AGENT", "get", "is_transient", "make_client", "retry_after"]

log = logging.getLogger(__name__)

USER_AGENT = f"paperdigest/{__version__} (daily Korean paper digest)"


def is_transient(status: int | None) -> bool:
    """Whether a failed request may succeed later, the rule :func:`get` retries by: no
    answer at all (``None``: connect/read error, timeout), 429 or a 5xx status."""
    return status is None or status == 429 or status >= 500


class _Transient(Exception):
    """An answer worth retrying (429, 5xx); carries the server's Retry-After, if any."""

    def __init__(self, response: httpx2.Response) -> None:
        self.response = response
        self.retry_after = retry_after(response.headers)
        super().__init__(f"HTTP {response.status_code}")


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a server asks for before the next request, in seconds, or ``None``.

    Read from ``retry-after-ms`` (milliseconds; OpenAI-compatible APIs send it, and the
    openai client prefers it), else ``Retry-After`` as delay-seconds or as an HTTP-date
    (RFC 9110 §10.2.3). Negative waits and dates in the past give 0. Callers cap the wait
    themselves (their caps differ: a fetch retry's backoff, the model's pause).

    Args:
        headers: response headers (case-insensitive, e.g. ``httpx2.Headers``) or a mapping
            with lower-case keys.
        now: the current Unix time in seconds for an HTTP-date (``time.time()`` if None).

    Returns:
        Seconds (>= 0), or ``None`` when no header is present or none parses.
    """
    ms = headers.get("retry-after-ms")
    if ms:
        with contextlib.suppress(ValueError):
            return max(0.0, float(ms) / 1000)
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def make_client(settings: Settings) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` with the configured timeout and paperdigest's User-Agent."""
    return httpx2.AsyncClient(
        timeout=settings.http_timeout_seconds,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
    )


async def get(
    client: httpx2.AsyncClient,
    url: str,
    settings: Settings,
    params: dict[str, Any] | None = None,
    pacer: Pacer | None = None,
    retries: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx2.Response:
    """GET ``url`` and return its 200 response, retrying what is transient.

    Args:
        client: from :func:`make_client`.
        url: the full URL.
        settings: ``http_retries`` (retries after the first try) and
            ``retry_max_wait_seconds`` (cap of one backoff, seconds).
        params: query parameters.
        pacer: for arxiv.org, the command's pacer: each try, retries included, holds it,
            so it starts at least ``arxiv_delay_seconds`` after the previous arXiv request
            (a 429 asks for slower, not faster); a longer backoff or Retry-After adds to it.
        retries: retries after the first try; ``settings.http_retries`` if None (the arXiv
            API passes 0: its caller asks once more for what is missing, one retry layer).
        headers: request headers beside the client's (an API key: never in ``url`` or
            ``params``, which error messages show).

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
            return min(exc.retry_after, settings.retry_max_wait_seconds)
        return float(backoff(state))

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.debug("retrying %s after %s (try %d)", url, exc, state.attempt_number)

    retrying = AsyncRetrying(
        stop=stop_after_attempt((settings.http_retries if retries is None else retries) + 1),
        wait=wait,
        retry=retry_if_exception_type((_Transient, httpx2.TransportError)),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                async with pacer or contextlib.nullcontext():
                    response = await client.get(url, params=params, headers=headers)
                if is_transient(response.status_code):
                    raise _Transient(response)
                if response.status_code != 200:
                    raise FetchError(str(response.url), response.status_code)
                return response
    except _Transient as exc:
        raise FetchError(str(exc.response.url), exc.response.status_code, "after retries") from exc
    except httpx2.TransportError as exc:
        raise FetchError(url, None, f"{type(exc).__name__} after retries") from exc
    raise AssertionError("unreachable: tenacity either returns or re-raises")
