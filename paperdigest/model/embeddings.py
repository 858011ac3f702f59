"""Embeddings through the OpenAI-compatible ``POST /v1/embeddings`` (the openai client).

Texts are sent in as few requests as the API allows (:data:`MAX_BATCH_INPUTS` inputs and
about :data:`MAX_BATCH_TOKENS` tokens a request), each cut to :data:`MAX_INPUT_CHARS`, and
the vectors come back as float32 arrays in the order asked. ``encoding_format="float"`` is
asked for explicitly: every OpenAI-compatible server (vLLM, Ollama, llama.cpp) serves it.

Errors: transient ones (connection, timeout, 429, 5xx) are retried by the openai client
itself (``max_retries=model_max_retries``), the one retry layer; what still fails is a
:class:`~paperdigest.errors.FetchError`. A server without the endpoint or a model it does
not know (404), a refused key (401/403) or a rejected request (400) is a
:class:`~paperdigest.errors.ConfigError`: a setting to fix, raised by the first request of a
run, so before any chat call when the flow ranks before it summarizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from paperdigest.config import Settings
from paperdigest.errors import ConfigError, FetchError, UpstreamFormatError, redact
from paperdigest.sources.selection import estimate_tokens
from paperdigest.text import collapse_space

if TYPE_CHECKING:
    import openai

__all__ = ["MAX_BATCH_INPUTS", "MAX_BATCH_TOKENS", "MAX_INPUT_CHARS", "Embedder"]

MAX_BATCH_INPUTS = 2048
"""Inputs per request: the OpenAI embeddings API takes arrays of at most 2,048 inputs."""

MAX_BATCH_TOKENS = 200_000
"""Estimated tokens per request (4 characters a token): OpenAI caps a request at 300,000
tokens summed over its inputs; a third of margin covers text that tokenizes denser than the
estimate (digits, non-English names). A day's list (60 abstracts, ~25k tokens) is one
request; a library of ~600 items more is one more, once."""

MAX_INPUT_CHARS = 8_000
"""Characters of one input (~2,000 tokens): a title and abstract fit many times over, and
even dense text stays under the 8,192-token input limit of OpenAI's embedding models."""


class Embedder:
    """Embeds texts with one model; counts its requests and tokens.

    Attributes:
        model: the embedding model (``PAPERDIGEST_EMBEDDING_MODEL``).
        requests: requests sent so far (the flow's "at most 2 a day" is checked on it).
        tokens: prompt tokens the server reported.
    """

    def __init__(self, client: openai.AsyncOpenAI, settings: Settings) -> None:
        self._client = client
        self._url = f"{str(client.base_url).rstrip('/')}/embeddings"
        self.model = settings.embedding_model
        self.requests = 0
        self.tokens = 0

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The embeddings of ``texts``.

        Args:
            texts: the texts (white space collapsed and cut to :data:`MAX_INPUT_CHARS` before
                sending; an empty text is sent as one space, which servers refuse as "").

        Returns:
            A float32 array of shape ``(len(texts), dims)``, rows in the order of ``texts``.

        Raises:
            ConfigError: 404 (no such model or no embeddings endpoint), 401/403, or 400.
            FetchError: the request failed after the openai client's retries.
            UpstreamFormatError: the reply does not hold one vector of one size per input.
        """
        rows: list[np.ndarray] = []
        for batch in _batches([collapse_space(t)[:MAX_INPUT_CHARS] or " " for t in texts]):
            rows.append(await self._request(batch))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        dims = {r.shape[1] for r in rows}
        if len(dims) > 1:
            raise UpstreamFormatError(self._url, f"vectors of different sizes {sorted(dims)}")
        return np.vstack(rows)

    async def _request(self, batch: list[str]) -> np.ndarray:
        import openai  # loaded with the client already

        self.requests += 1
        try:
            reply = await self._client.embeddings.create(
                model=self.model, input=batch, encoding_format="float"
            )
        except openai.APIError as exc:
            raise self._error(exc) from exc
        data = sorted(reply.data or [], key=lambda d: d.index)
        if [d.index for d in data] != list(range(len(batch))):
            raise UpstreamFormatError(
                self._url, f"{len(data)} vectors for {len(batch)} inputs, or indexes out of order"
            )
        sizes = {len(d.embedding) for d in data}
        if len(sizes) != 1 or 0 in sizes:
            raise UpstreamFormatError(self._url, "the vectors are empty or of different sizes")
        if reply.usage is not None:
            self.tokens += reply.usage.prompt_tokens
        return np.asarray([d.embedding for d in data], dtype=np.float32)

    def _error(self, exc: openai.APIError) -> ConfigError | FetchError:
        import openai

        status = getattr(exc, "status_code", None)
        detail = collapse_space(redact(_server_words(exc)))[:160]
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ConfigError(
                f"the embedding API at {self._url} refused the key (HTTP {status}); set "
                "PAPERDIGEST_EMBEDDING_API_KEY"
            )
        if isinstance(exc, openai.NotFoundError):
            return ConfigError(
                f"the embedding API at {self._url} does not know model {self.model!r} or has "
                f"no embeddings endpoint (HTTP 404: {detail}); set PAPERDIGEST_EMBEDDING_MODEL "
                "and PAPERDIGEST_EMBEDDING_BASE_URL, or PAPERDIGEST_EMBEDDING_MODEL=none"
            )
        if isinstance(exc, openai.BadRequestError):
            return ConfigError(
                f"the embedding API at {self._url} rejected model {self.model!r} (HTTP 400: "
                f"{detail})"
            )
        return FetchError(self._url, status, "after retries")


def _server_words(exc: openai.APIError) -> str:
    """What the server said: OpenAI's ``error.message``, a FastAPI-style ``detail`` (vLLM,
    proxies) or a plain ``message``; else the client's own text (``Error code: 404``)."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        for said in (
            error.get("message") if isinstance(error, dict) else error,
            body.get("detail"),
            body.get("message"),
        ):
            if isinstance(said, str) and said.strip():
                return said
    return exc.message or str(exc)


def _batches(texts: list[str]) -> list[list[str]]:
    """``texts`` in order, cut into runs of at most :data:`MAX_BATCH_INPUTS` inputs and
    :data:`MAX_BATCH_TOKENS` estimated tokens."""
    batches: list[list[str]] = []
    current: list[str] = []
    tokens = 0
    for text in texts:
        size = estimate_tokens(text)
        if current and (len(current) >= MAX_BATCH_INPUTS or tokens + size > MAX_BATCH_TOKENS):
            batches.append(current)
            current, tokens = [], 0
        current.append(text)
        tokens += size
    if current:
        batches.append(current)
    return batches
