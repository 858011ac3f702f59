"""Settings: read once from the environment (prefix ``PAPERDIGEST_``) and an optional TOML file.

Precedence, highest first: environment variables, the TOML file named by
``PAPERDIGEST_CONFIG`` (or ``./paperdigest.toml`` when it exists), the defaults below.
The OpenAI endpoint and key are the openai client's own ``OPENAI_BASE_URL`` and
``OPENAI_API_KEY``.

Every default carries its reason in the field description; the README lists them all.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    NonNegativeFloat,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from paperdigest.errors import ConfigError, register_secret
from paperdigest.text import collapse_space, split_urls, split_words

__all__ = ["Settings", "load_settings"]

_DEFAULT_TOML = Path("paperdigest.toml")


class Settings(BaseSettings):
    """All configuration of a run. Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(env_prefix="PAPERDIGEST_", extra="ignore", frozen=True)

    hf_base_url: str = Field(
        "https://huggingface.co",
        description="Hugging Face base URL; the daily papers list is GET /api/daily_papers?date=. "
        "The public site: the list exists nowhere else (tests point it at a local server).",
    )
    arxiv_api_url: str = Field(
        "https://export.arxiv.org/api/query",
        description="arXiv API query endpoint: export.arxiv.org is the host arXiv asks "
        "programs to use, so that they do not load the main site.",
    )
    arxiv_html_url: str = Field(
        "https://arxiv.org/html",
        description="arXiv HTML full texts: {url}/{id}v{N}. arXiv's own rendering, the only "
        "source of the HTML text.",
    )
    arxiv_pdf_url: str = Field(
        "https://arxiv.org/pdf",
        description="arXiv PDFs: {url}/{id}v{N}. arXiv's own copy, for papers without HTML.",
    )
    arxiv_delay_seconds: float = Field(
        3.0,
        ge=0,
        description="Seconds between requests to arXiv: arXiv's API terms ask for one request "
        "every three seconds.",
    )
    fulltext: bool = Field(
        True,
        description="Fetch the HTML (or PDF) full text; false summarizes abstracts only. On "
        "by default: the seven sections ask for architecture, data and results that an "
        "abstract rarely gives.",
    )
    source_tokens: int = Field(
        12_000,
        ge=500,
        description="Token budget of the paper text sent to the model (estimated at 4 characters "
        "a token): ~12k keeps a call well inside small models' context and cost.",
    )
    model: str = Field(
        "gpt-4o-mini",
        description="Chat model that fills the summary schema. gpt-4o-mini: supports strict "
        "structured outputs and writes Korean well enough for the checks, at a small price "
        "for ~40 papers a day.",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY"),
        repr=False,
        description="Model API key. No default: a key is a secret of the user's; the openai "
        "client's own variable, so one setting serves both.",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL"),
        description="OpenAI-compatible server (vLLM, Ollama, llama.cpp). None: the openai "
        "client's default, OpenAI's API.",
    )
    max_attempts: int = Field(
        3,
        ge=1,
        le=10,
        description="Model calls per paper (first answer plus re-asks); a rejected batch "
        "answer comes on top. 3: one re-ask with the errors named fixes most answers, a second "
        "catches the rest; more costs tokens for little gain.",
    )
    max_output_tokens: int = Field(
        4_000, ge=256, description="Completion token limit per call; a summary needs ~1.5k."
    )
    model_timeout_seconds: float = Field(
        120.0,
        gt=0,
        description="Timeout of one model call: a long answer takes about a minute, so twice "
        "that before a call counts as hung.",
    )
    model_max_retries: int = Field(
        3,
        ge=0,
        description="Retries of transient model API errors (connection, timeout, 429, 5xx), done "
        "by the openai client itself, which honours Retry-After. 3 rides out a short outage "
        "or rate-limit burst; a longer one stops the run (3 papers in a row) instead.",
    )
    http_timeout_seconds: float = Field(
        30.0,
        gt=0,
        description="Timeout of one Hugging Face, arXiv or Zotero request: a PDF of tens of MB "
        "arrives well within it; a server silent for 30 s is retried instead.",
    )
    http_retries: int = Field(
        4,
        ge=0,
        description="Retries of a Hugging Face, arXiv full-text or Zotero request that failed "
        "transiently (connect/read error, 429, 5xx). 4 with backoff spans about a minute: "
        "enough for a restart or a rate-limit window, short for a morning cron run.",
    )
    retry_max_wait_seconds: float = Field(
        30.0,
        ge=0,
        description="Longest backoff between two HTTP retries (jittered, exponential): caps "
        "the exponential growth so four retries stay near a minute.",
    )
    concurrency: int = Field(
        4,
        ge=1,
        le=64,
        description="Papers summarized at once. 4: a 40-paper day takes minutes, not tens of "
        "them, while a small self-hosted server or a low rate tier is not flooded.",
    )
    requests_per_minute: int = Field(
        500,
        ge=1,
        description="Model requests per minute; the limiter keeps under it. 500: OpenAI's "
        "first usage tier for gpt-4o-mini; set your own tier's limit.",
    )
    tokens_per_minute: int = Field(
        2_000_000,
        ge=1000,
        description="Model tokens per minute; the limiter keeps under it. 2M: high enough "
        "that a 40-paper day (~0.7M tokens) is paced by requests_per_minute alone; set your "
        "tier's limit when it is lower.",
    )
    max_tokens_per_run: int = Field(
        2_000_000,
        ge=0,
        description="Cap on model tokens (in + out) one run may spend, re-asks included; "
        "0 means no cap. A 40-paper day needs ~0.7M, so 2M leaves room for re-asks and stops "
        "a runaway run at $0.3-1.2 at the default model's price.",
    )
    prices: dict[str, tuple[NonNegativeFloat, NonNegativeFloat]] = Field(
        default_factory=lambda: {"gpt-4o-mini": (0.15, 0.60)},
        description="Price table for the cost estimate: model -> (USD per million prompt "
        "tokens, USD per million completion tokens). Replaces the default table when set "
        '(TOML [prices] "gpt-4o" = [2.5, 10.0], or JSON in PAPERDIGEST_PRICES). The default '
        "holds the default model's list price of 2025; check your provider's.",
    )
    price_input_per_mtok: float | None = Field(
        None, ge=0, description="USD per million prompt tokens; overrides the price table."
    )
    price_output_per_mtok: float | None = Field(
        None, ge=0, description="USD per million completion tokens; overrides the price table."
    )
    output_dir: Path = Field(
        Path("output"),
        description="Folder the digests are written to; ./output keeps a checkout's results "
        "in one place.",
    )
    db: Path | None = Field(
        None,
        description="SQLite database; default OUTPUT_DIR/paperdigest.db, beside the digests it "
        "describes, so moving the folder moves both.",
    )
    figures: bool = Field(
        True,
        description="Show each paper's key figure from its arXiv HTML (on: the review notes "
        "the digests were specified from show one under each title, and a paper without "
        "HTML figures changes nothing).",
    )
    assets_dir: Path | None = Field(
        None,
        description="Folder for figure images, as DATE/ARXIVID-xN.png; default OUTPUT_DIR/assets "
        "(beside the digests, so relative links work as written).",
    )
    assets_url: str | None = Field(
        None,
        description="URL prefix digests use for figure images (e.g. /assets/papers for a Jekyll "
        "site); default: the path relative from the digest to the file.",
    )
    timezone: str = Field(
        "Asia/Seoul",
        description="Time zone that decides 'today': the digests are written for Korean readers.",
    )
    lock_timeout_seconds: float = Field(
        1800.0,
        ge=0,
        description="How long a run waits for another run of the same day: 30 minutes covers "
        "a slow full day of model calls, and a stuck run still ends before the next cron day.",
    )
    batch_poll_seconds: float = Field(
        30.0,
        gt=0,
        description="Batch API poll interval: a batch takes minutes to hours, so 30 s adds "
        "little delay for few requests (at most ~2900 in the 24 h window).",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Log lines as text or JSON; text for a person at a terminal, JSON for a "
        "log collector.",
    )
    index_dir: Path | None = Field(
        None,
        description="Folder of index.md and feed.xml. Default: OUTPUT_DIR, beside the digests "
        "it links; when OUTPUT_DIR is a Jekyll _posts folder, SITE/papers instead: Jekyll "
        "does not publish other files from _posts, and the site root has its own index.md.",
    )
    feed_days: int = Field(
        30,
        ge=0,
        description="Days of digests, counted back from the newest, whose papers feed.xml "
        "holds: a month keeps the file small (~40 papers a day) and covers a reader who "
        "checks weekly. 0 writes no feed.",
    )
    min_upvotes: int = Field(
        0,
        ge=0,
        description="Summarize only papers with at least this many upvotes (--min-upvotes); "
        "0 keeps every paper, as the daily list itself is the curation.",
    )
    include: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Comma-separated words (--include): keep only papers whose title, abstract "
        "or Hugging Face ai_keywords contain one (case-insensitive). Empty: no such filter.",
    )
    exclude: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Comma-separated words (--exclude): drop papers whose title, abstract or "
        "ai_keywords contain one (case-insensitive). Empty: no such filter.",
    )
    notify: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        repr=False,  # the URLs carry tokens
        description="apprise URLs told of each run (spaces or commas between them; a list in "
        "TOML). Empty by default: nothing leaves the machine unless asked for.",
    )
    site_url: str | None = Field(
        None,
        description="Base URL where the digests are published; a notification links the "
        "digest as SITE_URL/FILE_NAME. Unset, it names the file's path (no site is assumed).",
    )
    interests: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="The reader's topics in plain words, separated by ';' or new lines (a list "
        "in TOML), e.g. 'reinforcement learning for LLM reasoning; medical image "
        "segmentation'. Each is compared with every paper (relevance). Empty by default: "
        "no reader is assumed.",
    )
    library: Path | None = Field(
        None,
        description="A reference-library export describing the reader by the papers they keep: "
        "BibTeX (.bib), CSL JSON (.json) or RIS (.ris), as Zotero, Mendeley and Paperpile "
        "write them. Unset by default: no reader is assumed.",
    )
    zotero_library_id: str | None = Field(
        None,
        description="A Zotero library read through the Zotero Web API at each run (the "
        "number in zotero.org/settings/keys, or a group's id), so a scheduled run sees the "
        "live library. Unset by default: no library is read.",
    )
    zotero_library_type: Literal["user", "group"] = Field(
        "user",
        description="Whether ZOTERO_LIBRARY_ID is a user's or a group's library; 'user': a "
        "reader's own library is the usual case.",
    )
    zotero_api_key: SecretStr | None = Field(
        None,
        repr=False,
        description="Zotero API key (read access) for a private library. No default: a key "
        "is the user's secret; a public library needs none.",
    )
    zotero_base_url: str = Field(
        "https://api.zotero.org",
        description="Zotero Web API base URL: Zotero's own API, the only home of a synced "
        "library (tests point it at a local server).",
    )
    embedding_model: str = Field(
        "text-embedding-3-small",
        description="Embedding model of the relevance score, or 'none' to rank lexically "
        "(BM25) at no cost. text-embedding-3-small: OpenAI's cheapest current embedding "
        "model (~$0.02 per million tokens: a day's list costs a fraction of a cent).",
    )
    embedding_base_url: str | None = Field(
        None,
        description="OpenAI-compatible server for embeddings. Default: OPENAI_BASE_URL, the "
        "chat client's, so one server serves both; set it when the chat provider has no "
        "embeddings (Ollama and vLLM serve /v1/embeddings).",
    )
    embedding_api_key: SecretStr | None = Field(
        None,
        repr=False,
        description="Key of the embeddings server. Default: OPENAI_API_KEY, the chat client's; "
        "set it when EMBEDDING_BASE_URL names another provider, so the chat key is not sent "
        "there.",
    )
    library_half_life_days: float = Field(
        365.0,
        gt=0,
        description="Age (days since an item was added, else issued) at which a library "
        "item counts half as much as a new one: a year follows a reader's interests as they "
        "move, while last year's papers still count.",
    )
    rank: Literal["upvotes", "relevance"] | None = Field(
        None,
        description="Order of a digest's or weekly post's papers (--rank): 'relevance' to the "
        "reader's profile, or 'upvotes'. Unset: relevance when a profile (INTERESTS, LIBRARY or "
        "ZOTERO_LIBRARY_ID) is set, else upvotes, the Hugging Face list's own order.",
    )
    top: int | None = Field(
        None,
        ge=1,
        description="Full summaries, with the full text, for the N highest-ranked papers only "
        "(--top); every other paper gets a brief of one or two sentences written from its "
        "abstract, at a fraction of the tokens. Unset: every paper in full.",
    )
    min_relevance: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Leave out papers whose relevance score (0-1) is below this "
        "(--min-relevance), listed like filtered papers; needs a profile. 0: no such filter, "
        "as ranking alone already puts the papers that matter first.",
    )

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str | list | tuple):
            words = split_words(value)
            if not words and isinstance(value, str) and value.strip():
                # " , " is a typo, not "no filter" (an unset or empty value is that)
                raise ValueError("needs at least one word (comma-separated)")
            return words
        return value

    @field_validator("interests", mode="before")
    @classmethod
    def _split_interests(cls, value: object) -> object:
        if isinstance(value, str):
            pieces = re.split(r"[;\n]", value)
        elif isinstance(value, list | tuple):
            pieces = [str(v) for v in value]
        else:
            return value
        phrases = tuple(dict.fromkeys(p for p in map(collapse_space, pieces) if p))
        if not phrases and (value.strip() if isinstance(value, str) else value):
            # "; ;" is a typo, not "no interests" (an unset or empty value is that)
            raise ValueError("needs at least one topic (separated by ';' or new lines)")
        return phrases

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("notify", mode="before")
    @classmethod
    def _split_notify(cls, value: object) -> object:
        return split_urls(value) if isinstance(value, str) else value

    @property
    def db_path(self) -> Path:
        """The database file: ``db`` or ``output_dir/paperdigest.db``."""
        return self.db if self.db is not None else self.output_dir / "paperdigest.db"

    @property
    def assets_path(self) -> Path:
        """The figure images' folder: ``assets_dir`` or ``output_dir/assets``."""
        return self.assets_dir if self.assets_dir is not None else self.output_dir / "assets"

    @property
    def index_path(self) -> Path:
        """The folder of ``index.md`` and ``feed.xml``: ``index_dir``, else ``output_dir``,
        or ``SITE/papers`` when ``output_dir`` is a Jekyll ``SITE/_posts`` folder."""
        if self.index_dir is not None:
            return self.index_dir
        if self.output_dir.name == "_posts":
            return self.output_dir.parent / "papers"
        return self.output_dir

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    def price(self) -> tuple[float, float] | None:
        """USD per million (prompt, completion) tokens of ``model``: each of
        ``price_input_per_mtok``/``price_output_per_mtok`` when set, else the ``prices`` table's
        entry; ``None`` when a price is unknown (the cost estimate is then not shown)."""
        listed: tuple[float | None, float | None] = self.prices.get(self.model, (None, None))
        prompt = listed[0] if self.price_input_per_mtok is None else self.price_input_per_mtok
        out = listed[1] if self.price_output_per_mtok is None else self.price_output_per_mtok
        return None if prompt is None or out is None else (prompt, out)

    def api_key(self) -> str:
        """The key for the model API.

        Returns:
            ``OPENAI_API_KEY``, or the placeholder ``"EMPTY"`` when only ``OPENAI_BASE_URL``
            is set (self-hosted servers such as vLLM or Ollama need no key).

        Raises:
            ConfigError: neither ``OPENAI_API_KEY`` nor ``OPENAI_BASE_URL`` is set.
        """
        return _key_for(
            (self.openai_api_key,),
            self.openai_base_url,
            "OPENAI_API_KEY is not set (or set OPENAI_BASE_URL to an OpenAI-compatible server)",
        )

    @property
    def reader_configured(self) -> bool:
        """Whether a reader's profile is set at all: interests, a library file or Zotero."""
        return bool(self.interests or self.library or self.zotero_library_id)

    @property
    def lexical(self) -> bool:
        """Whether relevance is lexical (BM25, ``embedding_model = "none"``), not embeddings."""
        return self.embedding_model.strip().lower() == "none"

    def embedding_url(self) -> str | None:
        """The embeddings server: ``embedding_base_url``, else ``OPENAI_BASE_URL`` (None:
        the openai client's default, OpenAI's API)."""
        return self.embedding_base_url or self.openai_base_url

    def embedding_key(self) -> str:
        """The key for the embeddings server.

        Returns:
            ``embedding_api_key``, else ``OPENAI_API_KEY`` (the chat client's), else
            ``"EMPTY"`` when :meth:`embedding_url` names a server (a self-hosted embeddings
            server needs no key).

        Raises:
            ConfigError: no key and no base URL for embeddings.
        """
        return _key_for(
            (self.embedding_api_key, self.openai_api_key),
            self.embedding_url(),
            "no key for the embedding API: set PAPERDIGEST_EMBEDDING_API_KEY or OPENAI_API_KEY "
            "(or PAPERDIGEST_EMBEDDING_MODEL=none to rank lexically)",
        )

    def zotero_key(self) -> str | None:
        """The Zotero API key (registered for redaction), or None for a public library."""
        return _revealed(self.zotero_api_key)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get("PAPERDIGEST_CONFIG")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        elif _DEFAULT_TOML.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=_DEFAULT_TOML))
        return tuple(sources)


def _revealed(secret: SecretStr | None) -> str | None:
    """A secret setting's value, registered for :func:`~paperdigest.errors.redact` (a key
    read from TOML is in no environment variable); None when unset or empty."""
    if secret is None or not secret.get_secret_value():
        return None
    register_secret(secret.get_secret_value())
    return secret.get_secret_value()


def _key_for(secrets: tuple[SecretStr | None, ...], base_url: str | None, missing: str) -> str:
    """The first set key of ``secrets``; else ``"EMPTY"`` when ``base_url`` names a server
    (the openai client needs some key, a self-hosted server checks none).

    Raises:
        ConfigError: no key and no ``base_url``; ``missing`` is the message.
    """
    for secret in secrets:
        key = _revealed(secret)
        if key:
            return key
    if base_url:
        return "EMPTY"
    raise ConfigError(missing)


def load_settings(**overrides: object) -> Settings:
    """Read the settings once.

    Args:
        overrides: field values that win over the environment (the CLI's options).

    Returns:
        The frozen :class:`Settings`.

    Raises:
        ConfigError: a value is invalid or the TOML file named by ``PAPERDIGEST_CONFIG``
            is missing or not TOML; the message names the setting.
    """
    toml_path = os.environ.get("PAPERDIGEST_CONFIG")
    if toml_path and not Path(toml_path).is_file():
        raise ConfigError(f"PAPERDIGEST_CONFIG names {toml_path}, which is not a file")
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"setting PAPERDIGEST_{name.upper()} is invalid: {first['msg']}") from exc
    except SettingsError as exc:  # a value pydantic-settings could not decode (JSON)
        raise ConfigError(f"a setting could not be read: {exc}") from exc
    except ValueError as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise ConfigError(f"configuration file is not valid TOML: {exc}") from exc
