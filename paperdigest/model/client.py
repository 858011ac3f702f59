"""The OpenAI client (any OpenAI-compatible server) and the one mapping of its errors to
the project's errors."""

from __future__ import annotations

import httpx2
import openai

from paperdigest.config import Settings
from paperdigest.model.limits import RateLimiter
from paperdigest.sources.http import retry_after

__all__ = ["make_openai_client"]


def make_openai_client(settings: Settings, limiter: RateLimiter) -> openai.AsyncOpenAI:
    """The AsyncOpenAI client: ``OPENAI_BASE_URL``/``OPENAI_API_KEY``, the configured timeout
    and retries, and a response hook that slows ``limiter`` on every 429.

    Raises:
        ConfigError: no key and no base URL (see :meth:`Settings.api_key`).
    """

    async def on_response(response: httpx2.Response) -> None:
        if response.status_code == 429:
            # The same headers the openai client waits on (retry-after-ms first): one parser.
            seconds = retry_after(response.headers)
            limiter.slow_down(min(1.0 if seconds is None else seconds, 60.0))

    return openai.AsyncOpenAI(
        api_key=settings.api_key(),
        base_url=settings.openai_base_url,
        timeout=settings.model_timeout_seconds,
        max_retries=settings.model_max_retries,
        http_client=openai.DefaultAsyncHttpxClient(
            timeout=settings.model_timeout_seconds, event_hooks={"response": [on_response]}
        ),
    )
