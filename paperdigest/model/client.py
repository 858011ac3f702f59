"""The OpenAI client (any OpenAI-compatible server) and the one mapping of its errors to
the project's errors."""

from __future__ import annotations

import httpx2
import openai

from paperdigest.config import Settings
from paperdigest.model.limits import RateLimiter

__all__ = ["make_openai_client"]


def make_openai_client(settings: Settings, limiter: RateLimiter) -> openai.AsyncOpenAI:
    """The AsyncOpenAI client: ``OPENAI_BASE_URL``/``OPENAI_API_KEY``, the configured timeout
    and retries, and a response hook that slows ``limiter`` on every 429.

    Raises:
        ConfigError: no key and no base URL (see :meth:`Settings.api_key`).
    """

    async def on_response(response: httpx2.Response) -> None:
        if response.status_code == 429:
            # The same header the openai client waits on: retry-after-ms first, in ms.
            ms = response.headers.get("retry-after-ms")
            try:
                seconds = (
                    float(ms) / 1000 if ms else float(response.headers.get("retry-after", "1"))
                )
            except ValueError:
                seconds = 1.0
            limiter.slow_down(min(max(seconds, 0.0), 60.0))

    return openai.AsyncOpenAI(
        api_key=settings.api_key(),
        base_url=settings.openai_base_url,
        timeout=settings.model_timeout_seconds,
        max_retries=settings.model_max_retries,
        http_client=openai.DefaultAsyncHttpxClient(
            timeout=settings.model_timeout_seconds, event_hooks={"response": [on_response]}
        ),
    )
