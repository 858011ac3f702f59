"""Prompt → model → validate → re-ask: one answer through structured outputs.

:meth:`Summarizer.ask` is the loop for any subject (:class:`Question`: its first messages,
the text its quantities are checked against, the id its log lines and errors name);
:meth:`Summarizer.summarize` asks it about one paper, and the weekly overview
(:mod:`paperdigest.model.overview`) about one week.

One chat completion per attempt through the official openai client, with a strict
``json_schema`` ``response_format`` built from the schema's pydantic model (accepted by
OpenAI and by vLLM, Ollama and llama.cpp servers). An answer that fails the schema or the
checks in :mod:`paperdigest.checks` is re-asked with the exact error appended to the
conversation (the instructor pattern), up to ``max_attempts`` answers.

Retry layers: transient API errors (connection, timeout, 429 with Retry-After, 5xx) are
retried by the openai client itself (``max_retries=model_max_retries``, jittered backoff,
honours Retry-After); nothing here stacks tenacity on top. What still fails after those
retries costs one attempt.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

from paperdigest import checks
from paperdigest.config import Settings
from paperdigest.errors import (
    BudgetExceeded,
    ModelUnavailable,
    SummaryError,
    redact,
)
from paperdigest.model.limits import RateLimiter, TokenBudget
from paperdigest.model.prompts import Prompt, build_messages
from paperdigest.model.schemas import KEY_FIGURE_FIELD, SchemaSpec
from paperdigest.papers import Paper, SourceText
from paperdigest.records import PriorAnswer, Summary
from paperdigest.sources.selection import estimate_tokens

if TYPE_CHECKING:  # openai is imported where a call is made, not by a cached rerun
    import openai

__all__ = [
    "Answer",
    "PriorAnswer",
    "Question",
    "Summarizer",
    "Summary",
    "Validation",
    "quantity_source",
    "validate_answer",
]


log = logging.getLogger(__name__)


_OUTER_FENCE = re.compile(r"^\s*```[A-Za-z]*\s*\n(?P<body>.*?)\n\s*```\s*$", re.DOTALL)


# Completion tokens expected per call, reserved in the tokens-per-minute limiter.
_EXPECTED_OUTPUT_TOKENS = 1500


def quantity_source(paper: Paper, source: SourceText) -> str:
    """The text an answer's quantities are checked against: the paper's title and text only.

    The data block's own header (e.g. "cut to about 1983 tokens") is ours, not the paper's,
    and verifies nothing.
    """
    return f"{paper.title}\n{source.text}"


def _key_figure_problems(
    spec: SchemaSpec, parsed: dict[str, Any], numbers: Collection[int]
) -> list[str]:
    """The re-ask for a key figure not in the list shown; with no list the field is null."""
    if KEY_FIGURE_FIELD not in parsed:
        return []
    pick = parsed[KEY_FIGURE_FIELD]
    if not numbers:
        parsed[KEY_FIGURE_FIELD] = None  # no figures shown: nothing to pick
        return []
    if pick is None or pick in numbers:
        return []
    choices = ", ".join(str(n) for n in sorted(numbers))
    label = spec.labels.get(KEY_FIGURE_FIELD, KEY_FIGURE_FIELD)
    return [
        f'field "{label}" ({KEY_FIGURE_FIELD}): {pick} is not a figure of the list; '
        f"use one of {choices}, or null"
    ]


@dataclass(frozen=True, slots=True)
class Validation:
    """What :func:`validate_answer` found in one answer.

    ``fields`` is the parsed answer (labels stripped, filler nulled), None when it is no
    valid JSON object of the schema; ``problems`` the schema and :mod:`paperdigest.checks`
    failures, worded for a re-ask; ``flags`` the answer's quantities not found in the source
    text, each with the closest source quantity (computed only when there are no other
    problems).
    """

    fields: dict[str, Any] | None
    problems: list[str]
    flags: list[checks.QuantityFlag]

    @property
    def unverified(self) -> list[str]:
        """The flagged quantities as the answer spells them (``"+3%"``)."""
        return [f.quantity for f in self.flags]

    @property
    def good(self) -> bool:
        """Whether the answer can be stored as it is: parsed, no problem, every quantity found."""
        return self.fields is not None and not self.problems and not self.flags


def validate_answer(
    spec: SchemaSpec,
    content: str,
    finish_reason: str,
    source_blob: str,
    figure_numbers: Collection[int] | None = None,
) -> Validation:
    """Validate one model answer exactly as :class:`Summarizer` does (also used for Batch
    API answers, so both paths accept the same answers).

    Args:
        spec: the schema the answer must fill.
        content: the message content (a JSON object, possibly wrapped in a code fence).
        finish_reason: the choice's finish reason (``length`` means cut off).
        source_blob: :func:`quantity_source` of the paper the answer is about.
        figure_numbers: the numbers of the figure list the model was shown
            (:attr:`SourceText.figures`): a ``key_figure`` outside it is a problem (re-ask);
            with no figures it is set to null. ``None``: not known, not checked.

    Returns:
        The :class:`Validation`; the answer is good when :attr:`Validation.good`.
    """
    parsed, problems = Summarizer._validate(spec, content, finish_reason)
    if parsed is not None and figure_numbers is not None:
        problems += _key_figure_problems(spec, parsed, figure_numbers)
    flags: list[checks.QuantityFlag] = []
    if parsed is not None and not problems:
        flags = checks.quantity_flags(answer_text(parsed), source_blob)
    return Validation(parsed, problems, flags)


def answer_text(fields: dict[str, Any]) -> str:
    """The text fields of an answer joined by newlines: what its quantities are read from."""
    return "\n".join(v for v in fields.values() if isinstance(v, str))


@dataclass(frozen=True)
class Question:
    """What one ask-and-check loop is about.

    Attributes:
        subject: what its log lines and errors name: an arXiv id, or an ISO week.
        messages: the conversation's first messages (the system prompt, then the data block:
            :func:`~paperdigest.model.prompts.build_messages` for a paper).
        source_blob: the text the answer's quantities are checked against
            (:func:`quantity_source` for a paper).
        figure_numbers: the numbers of the figure list the model was shown, for
            ``key_figure``; empty when none was shown.
    """

    subject: str
    messages: list[dict[str, str]]
    source_blob: str
    figure_numbers: tuple[int, ...] = ()


@dataclass
class Answer:
    """A validated answer with what it cost: ``content`` the schema's fields, the tokens of
    every attempt (tokens), ``attempts`` one dict per answer asked (``attempt``, ``error`` or
    None, tokens; ``batch`` for a Batch API answer), ``unverified`` the quantities not found
    in the source text (kept with a visible warning)."""

    model: str
    content: dict[str, Any] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)


class Summarizer:
    """Asks the model about one paper (or week) at a time; safe to share between concurrent
    tasks."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        settings: Settings,
        limiter: RateLimiter,
        budget: TokenBudget,
    ) -> None:
        self._client = client
        self._settings = settings
        self._limiter = limiter
        self._budget = budget

    async def summarize(
        self,
        prompt: Prompt,
        paper: Paper,
        source: SourceText,
        prior: PriorAnswer | None = None,
    ) -> Summary:
        """Ask for ``paper``'s summary until it validates.

        Args:
            prompt: the schema's :class:`Prompt`.
            paper: the paper (id and title go into the data block).
            source: the text the model is given; quantities are checked against it.
            prior: a rejected answer already paid for (a batch line): it is attempt 1 and the
                conversation goes on with its re-ask, as if it had been asked here; it does
                not use up one of the ``max_attempts`` calls.

        Returns:
            The :class:`Summary`. When only the quantity check still fails after every
            attempt (or when the token cap forbids the next re-ask), the last such answer
            is returned with ``unverified`` filled.

        Raises:
            SummaryError: no answer validated within ``max_attempts``, or the API rejected
                the request as bad (400; not re-asked).
            ModelUnavailable: the API failed after the client's own retries (not re-asked:
                one retry layer).
            BudgetExceeded: the run's token cap was reached before an answer validated.
            ConfigError: the API refused the key or does not know the model.
        """
        question = Question(
            paper.arxiv_id,
            build_messages(prompt, paper, source),
            quantity_source(paper, source),
            tuple(f.number for f in source.figures),
        )
        answer = await self.ask(prompt, question, prior)
        return Summary(
            paper.arxiv_id,
            prompt.spec.name,
            prompt.prompt_hash,
            answer.model,
            answer.content,
            source.kind,
            source.tokens,
            answer.prompt_tokens,
            answer.completion_tokens,
            answer.attempts,
            answer.unverified,
        )

    async def ask(
        self, prompt: Prompt, question: Question, prior: PriorAnswer | None = None
    ) -> Answer:
        """Ask ``question`` until an answer fills ``prompt``'s schema and passes the checks
        (:func:`validate_answer`), re-asking with the problems found.

        Args:
            prompt: the schema's :class:`Prompt` (its response format is sent).
            question: the first messages, the text quantities are checked against, the
                figure list shown, and the subject named in log lines and errors.
            prior: as :meth:`summarize`.

        Returns:
            The :class:`Answer`. When only the quantity check still fails after every
            attempt (or when the token cap forbids the next re-ask), the last such answer
            is returned with ``unverified`` filled.

        Raises:
            SummaryError, ModelUnavailable, BudgetExceeded, ConfigError: as
                :meth:`summarize`, naming ``question.subject``.
        """
        spec = prompt.spec
        subject = question.subject
        messages = question.messages
        answer = Answer(self._settings.model)
        soft: tuple[dict[str, Any], list[str]] | None = None
        last_error = "no answer"
        max_attempts = self._settings.max_attempts + (prior is not None)
        for attempt in range(1, max_attempts + 1):
            record: dict[str, Any] = {"attempt": attempt, "error": None}
            if attempt == 1 and prior is not None:
                # Paid for by the batch (and counted in its run): not charged to the cap.
                content, finish_reason = prior.content, prior.finish_reason
                usage = (prior.prompt_tokens, prior.completion_tokens)
                record["batch"] = prior.origin
            else:
                try:
                    self._budget.check()
                except BudgetExceeded:
                    if soft is None:
                        raise
                    break  # the cap forbids the re-ask: keep the answer paid for (below)
                try:
                    content, finish_reason, usage = await self._call(prompt, messages, subject)
                except SummaryError as exc:  # the API failed or rejected the call: no re-ask
                    answer.attempts.append({"attempt": attempt, "error": exc.last_error})
                    if soft is None:
                        raise type(exc)(subject, attempt, exc.last_error) from exc
                    break  # keep the answer already paid for, with its warning (below)
            answer.prompt_tokens += usage[0]
            answer.completion_tokens += usage[1]
            record["prompt_tokens"], record["completion_tokens"] = usage
            answer.attempts.append(record)
            # The last attempt is not failed for its key figure alone: an unknown number
            # shows Figure 1 (sources.figures.choose), the summary is kept.
            last = attempt == max_attempts and bool(question.figure_numbers)
            numbers = None if last else question.figure_numbers
            result = validate_answer(spec, content, finish_reason, question.source_blob, numbers)
            problems = result.problems
            if result.fields is not None and not problems:
                if result.good:
                    answer.content = result.fields
                    return answer
                soft = (result.fields, result.unverified)
                # The closest source quantity of each is kept with the attempt, for `show`;
                # a unit slip (1.6억 for "1.6 billion") is named in the re-ask.
                record["closest"] = {f.quantity: f.closest for f in result.flags}
                problems = [checks.quantities_problem(result.flags)]
            last_error = record["error"] = redact("; ".join(problems))
            log.debug("%s attempt %d rejected: %s", subject, attempt, last_error)
            if attempt < max_attempts:
                messages = [
                    *messages,
                    {"role": "assistant", "content": content},
                    {
                        "role": "user",
                        "content": "Your answer failed validation:\n- "
                        + "\n- ".join(problems)
                        + "\nAnswer again with the complete JSON object, fixing these problems.",
                    },
                ]
        if soft is not None:
            answer.content, answer.unverified = soft
            log.warning(
                "%s: unverified figures kept with a warning: %s", subject, ", ".join(soft[1])
            )
            return answer
        raise SummaryError(subject, max_attempts, last_error)

    async def _call(
        self, prompt: Prompt, messages: list[dict[str, str]], subject: str
    ) -> tuple[str, str, tuple[int, int]]:
        """One model call about ``subject`` (an arXiv id or a week, for errors and log
        lines): ``(content, finish_reason, (prompt tokens, completion tokens))``.

        Raises:
            ConfigError: the API refused the key (401/403) or does not know the model (404).
            SummaryError: the API rejected the request as bad (400).
            ModelUnavailable: any other API failure after the client's retries, or a reply
                that is not a chat completion.
        """
        import openai  # already loaded by the client: no cost here

        from paperdigest.model.client import api_error

        estimate = sum(estimate_tokens(m["content"]) for m in messages)
        await self._limiter.acquire(estimate + _EXPECTED_OUTPUT_TOKENS)
        try:
            completion = await self._client.chat.completions.create(
                model=self._settings.model,
                messages=cast(Any, messages),
                response_format=cast(Any, prompt.response_format),
                max_completion_tokens=self._settings.max_output_tokens,
            )
        except openai.APIError as exc:
            error = api_error(exc, model=self._settings.model, arxiv_id=subject)
            if isinstance(error, ModelUnavailable):
                what = error.last_error.removeprefix("model API error: ")
                log.warning("%s: model API error after retries: %s", subject, what)
                self._budget.add(0, 0)
            raise error from exc
        try:
            choice = completion.choices[0]
            content = choice.message.content or ""
            finish_reason = choice.finish_reason or "stop"
        except (AttributeError, IndexError, TypeError) as exc:
            # A proxy page or a broken self-hosted server answering 200 with another body.
            self._budget.add(0, 0)
            raise ModelUnavailable(
                subject, 1, "model API error: the reply is not a chat completion"
            ) from exc
        if completion.usage is not None:
            usage = (completion.usage.prompt_tokens, completion.usage.completion_tokens)
        else:  # some self-hosted servers omit usage; estimate so the cap still holds
            usage = (estimate, estimate_tokens(content))
        self._budget.add(*usage)
        return content, finish_reason, usage

    @staticmethod
    def _validate(
        spec: SchemaSpec, content: str, finish_reason: str
    ) -> tuple[dict[str, Any] | None, list[str]]:
        if finish_reason == "length":
            return None, [
                "your answer was cut off at the token limit (finish_reason=length); "
                "answer again more concisely, with the complete JSON object"
            ]
        if not content.strip():
            return None, ["your answer was empty; answer with the JSON object"]
        fenced = _OUTER_FENCE.match(content)
        if fenced:  # JSON wrapped in a code fence: unwrap rather than pay for a re-ask
            content = fenced.group("body")
        try:
            model = spec.model.model_validate_json(content)
        except ValidationError as exc:
            problems = []
            for err in exc.errors(include_url=False):
                loc = ".".join(str(p) for p in err["loc"])
                if err["type"] == "json_invalid":
                    problems.append(f"your answer is not valid JSON ({err['msg']})")
                else:
                    label = spec.labels.get(loc, loc) if loc else "answer"
                    problems.append(f'field "{label}" ({loc}): {err["msg"]}')
            return None, problems
        parsed = model.model_dump()
        for name in spec.nullable:
            value = parsed.get(name)
            if isinstance(value, str) and checks.is_filler(value):
                parsed[name] = None  # "정보가 제공되지 않습니다" is what null means here
        figure = {k: v for k, v in parsed.items() if k == KEY_FIGURE_FIELD}  # a number
        texts = {k: v for k, v in parsed.items() if k != KEY_FIGURE_FIELD}
        cleaned, content_problems = checks.check_content(
            texts,
            spec.labels,
            spec.nullable,
            style=spec.style,
            overview_opening=spec.overview_opening,
        )
        return {**cleaned, **figure}, checks.check_answer(cleaned, spec.labels) + content_problems
