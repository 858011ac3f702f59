"""The OpenAI clients (chat and embeddings, any OpenAI-compatible server) and the one mapping
of chat and Batch API errors to the project's errors. Embedding errors have verdicts of their
own (:mod:`paperdigest.model.embeddings`: a 400 or 404 there is a setting to fix, any other
failure a :class:`~paperdigest.errors.FetchError` of the run, not a paper's)."""

from __future__ import annotations

import httpx2
import openai

from paperdigest.config import Settings
from paperdigest.errors import (
    BatchError,
    ConfigError,
    ModelUnavailable,
    PaperdigestError,
    SummaryError,
    redact,
)
from paperdigest.model.limits import RateLimiter
from paperdigest.sources.http import retry_after

__all__ = ["api_error", "make_embedding_client", "make_openai_client"]


def api_error(
    exc: openai.APIError,
    *,
    model: str = "",
    arxiv_id: str = "",
    batch_id: str | None = None,
    what: str = "",
) -> PaperdigestError:
    """The project error for an error of the openai client, which has already retried the
    transient ones (connection, timeout, 429, 5xx: ``max_retries``, honouring Retry-After),
    so this is the one retry layer's verdict. Used by the direct path and the Batch API.

    Args:
        exc: the openai client's error.
        model: the configured model (named when the server does not know it; chat only).
        arxiv_id: the paper of a chat completion (direct path).
        batch_id: set for a Files/Batches call: the batch (``(none)`` before it exists).
        what: the Files/Batches step (``upload``, ``create``, ``poll``, ``download``).

    Returns:
        - :class:`ConfigError` when the key is refused (401/403), whatever the call;
        - for a Files/Batches call, :class:`BatchError` of status ``not found`` (404) or
          ``unfinished`` (anything else: a rerun resumes);
        - for a chat completion, :class:`ConfigError` for an unknown model (404),
          :class:`SummaryError` for a request rejected as bad (400: not re-asked), else
          :class:`ModelUnavailable`.
    """
    status = getattr(exc, "status_code", None)
    detail = f"HTTP {status}" if status else type(exc).__name__
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ConfigError(f"the model API refused the key ({detail})")
    if batch_id is not None:
        if isinstance(exc, openai.NotFoundError):
            return BatchError(batch_id, "not found", f"{what}: HTTP 404")
        return BatchError(batch_id, "unfinished", f"{what} failed ({detail}); rerun to resume")
    if isinstance(exc, openai.NotFoundError):
        return ConfigError(f"the model API does not know model {model!r} (HTTP 404)")
    if isinstance(exc, openai.BadRequestError):
        return SummaryError(arxiv_id, 1, f"request rejected: {redact(exc.message)}")
    return ModelUnavailable(arxiv_id, 1, f"model API error: {detail}")


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


def make_embedding_client(settings: Settings) -> openai.AsyncOpenAI:
    """The AsyncOpenAI client of the embeddings server: ``PAPERDIGEST_EMBEDDING_BASE_URL`` and
    ``PAPERDIGEST_EMBEDDING_API_KEY``, each defaulting to the chat client's, with the chat
    client's timeout and retries (the openai client's ``max_retries`` is the one retry layer
    of embedding requests too). No rate limiter: a day asks for at most a few requests.

    Raises:
        ConfigError: no key and no base URL for embeddings (see :meth:`Settings.embedding_key`).
    """
    return openai.AsyncOpenAI(
        api_key=settings.embedding_key(),
        base_url=settings.embedding_url(),
        timeout=settings.model_timeout_seconds,
        max_retries=settings.model_max_retries,
        http_client=openai.DefaultAsyncHttpxClient(timeout=settings.model_timeout_seconds),
    )
