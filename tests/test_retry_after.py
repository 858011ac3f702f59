"""The one Retry-After parser (sources/http.py), shared by arXiv/HF fetches and the model."""

from __future__ import annotations

import httpx2

from paperdigest.sources.http import retry_after

NOW = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT, for the HTTP-date form


def test_delay_seconds() -> None:
    """``Retry-After: 7`` is 7 seconds."""
    assert retry_after(httpx2.Headers({"Retry-After": "7"})) == 7.0


def test_milliseconds_header_wins() -> None:
    """``retry-after-ms`` (OpenAI-compatible APIs) is read first, in milliseconds."""
    headers = httpx2.Headers({"Retry-After": "1", "retry-after-ms": "250"})
    assert retry_after(headers) == 0.25


def test_http_date() -> None:
    """An HTTP-date is the seconds from now until it."""
    headers = httpx2.Headers({"Retry-After": "Tue, 14 Nov 2023 22:13:40 GMT"})
    assert retry_after(headers, now=NOW) == 20.0


def test_past_date_and_negative_values_are_zero() -> None:
    """A date in the past or a negative delay asks for no wait."""
    assert retry_after(httpx2.Headers({"Retry-After": "-5"})) == 0.0
    assert (
        retry_after(httpx2.Headers({"Retry-After": "Tue, 14 Nov 2023 22:13:40 GMT"}), NOW + 60)
        == 0.0
    )


def test_missing_or_unreadable_is_none() -> None:
    """No header, or one that parses neither way, gives None (the caller's own backoff)."""
    assert retry_after(httpx2.Headers({})) is None
    assert retry_after(httpx2.Headers({"Retry-After": "soon"})) is None
