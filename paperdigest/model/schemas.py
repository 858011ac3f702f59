"""The summary schemas: pydantic models whose Korean field descriptions reach the model
through the JSON schema of structured outputs, and a schema-neutral view for templates.

- ``seven`` (the 7-section digest, as on a GitHub-rendered markdown blog): an overview
  paragraph ("해당 논문은 …") and seven numbered sections, formal ~습니다 style. 마스킹 방식 is
  null unless the paper masks.
- ``gmr`` (the Goal/Method/Results digest of a Jekyll blog): Goal, Motivation, Contribution,
  Method, Results, Limitations, Conclusion, in ~다 style.
- ``seven-brief`` and ``gmr-brief`` (issue 18 §3): the brief of a paper outside a digest's
  top N, written from the abstract alone: a one-sentence ``gist`` (the TL;DR line) and an
  optional second sentence ``detail``, together at most :data:`BRIEF_MAX_CHARS` characters,
  in the style of the digest's own schema (:func:`brief_schema` pairs them).
- ``weekly`` (issue 19 §2, :data:`WEEKLY`): the Korean overview of a week's top papers,
  written from their titles and gists. Not a summary schema (not in :data:`SCHEMAS`), but
  prompted, checked and re-asked the same way (:data:`PROMPTED`).

What differs between schemas is data on their :class:`SchemaSpec` (style, overview opening,
default layout, how a summary is laid out): a third schema is a new spec and a prompt file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from paperdigest.checks.content import OVERVIEW_OPENING, Style
from paperdigest.text import collapse_space

__all__ = [
    "BRIEF_MAX_CHARS",
    "DEFAULT_SCHEMA",
    "GIST_MAX_CHARS",
    "KEY_FIGURE_FIELD",
    "PROMPTED",
    "SCHEMAS",
    "WEEKLY",
    "GmrBrief",
    "GmrSummary",
    "SchemaSpec",
    "SevenBrief",
    "SevenSummary",
    "View",
    "WeeklyOverview",
    "brief_schema",
    "get_schema",
    "schema_for_template",
]

_NO_MD_HEADINGS = " 마크다운 제목(#)이나 코드 블록은 쓰지 않는다."

GIST_MAX_CHARS = 80
"""Longest ``gist`` (characters, white space collapsed): the digest's TL;DR line holds the
title, organization and upvotes too, and ~80 characters of Korean is one sentence that still
reads as one line (issue 9 §4). A longer gist fails validation and is re-asked."""

_GIST_DESCRIPTION = (
    f"TL;DR: 논문의 핵심을 담은 한국어 한 문장. 줄바꿈 없이 {GIST_MAX_CHARS}자 이내로 쓴다. "
    "마크다운, 목록, 링크는 쓰지 않는다."
)


def _check_gist(value: str) -> str:
    """The gist's length rule (:data:`GIST_MAX_CHARS`); the message is the re-ask text."""
    length = len(collapse_space(value))
    if length > GIST_MAX_CHARS:
        raise ValueError(
            f"the gist must be one Korean sentence of at most {GIST_MAX_CHARS} characters; "
            f"it has {length}. Shorten it to the paper's single main point"
        )
    return value


# The key figure (issue 9 §3): a number from the figure list shown with the paper, or null.
_KEY_FIGURE = (
    "핵심 그림: 논문 데이터 뒤의 그림 목록(<figures>)에서 제안 방법을 가장 잘 보여 주는 그림의 "
    "번호(정수). 목록에 있는 번호만 쓴다. 그림 목록이 없으면 null."
)
KEY_FIGURE_FIELD = "key_figure"
"""The schemas' key-figure field: a figure number of the paper's list, or null."""


class SevenSummary(BaseModel):
    """The 7-section schema."""

    model_config = ConfigDict(extra="forbid", title="seven")

    overview: str = Field(
        description="'해당 논문은 …'으로 시작하는 2~3문장의 개요. 논문이 다루는 문제와 제안을 "
        "요약한다. 격식체(~습니다)." + _NO_MD_HEADINGS
    )
    motivation: str = Field(
        description="1. 핵심 동기와 문제 정의: 기존 방법의 한계와 논문이 풀려는 문제."
        + _NO_MD_HEADINGS
    )
    contributions: str = Field(
        description="2. 주요 기여 및 참신성: '- '로 시작하는 글머리표 2~4개." + _NO_MD_HEADINGS
    )
    architecture: str = Field(
        description="3. 모델 아키텍처 및 학습 설정: 구조, 학습 단계, 데이터, 하이퍼파라미터 중 "
        "원문에 있는 것만." + _NO_MD_HEADINGS
    )
    datasets: str = Field(
        description="4. 실험 설정 - 사용된 데이터셋과 벤치마크." + _NO_MD_HEADINGS
    )
    baselines: str = Field(description="4. 실험 설정 - 비교 대상(Baseline) 모델이나 방법.")
    masking: str | None = Field(
        description="4. 실험 설정 - 마스킹 방식. 논문이 마스킹을 사용할 때만 쓰고, "
        "그렇지 않으면 null."
    )
    results: str = Field(
        description="5. 정량적 결과: 원문에 있는 수치만 그대로 인용한다. 원문에 없는 수치를 "
        "만들지 않는다." + _NO_MD_HEADINGS
    )
    limitations: str = Field(description="6. 한계점 및 잠재적 실패 요인." + _NO_MD_HEADINGS)
    future_work: str = Field(description="7. 후속 연구 아이디어 또는 확장 방향." + _NO_MD_HEADINGS)
    gist: str = Field(description=_GIST_DESCRIPTION + " 격식체(~습니다).")

    _gist_length = field_validator("gist")(_check_gist)
    key_figure: int | None = Field(description=_KEY_FIGURE)


class GmrSummary(BaseModel):
    """The Goal/Method/Results schema."""

    model_config = ConfigDict(extra="forbid", title="gmr")

    goal: str = Field(description="Goal: 논문의 목적 한 문장. '본 논문은 …'처럼 ~다 체로 쓴다.")
    motivation: str = Field(description="Motivation: 기존 연구의 한계와 동기 한 문장. ~다 체.")
    contribution: str = Field(description="Contribution: 핵심 기여 한두 문장. ~다 체.")
    method: str = Field(description="Method: 제안 방법을 2~3문장으로. ~다 체." + _NO_MD_HEADINGS)
    results: str = Field(
        description="Results: 주요 결과. 원문에 있는 수치만 인용한다. ~다 체." + _NO_MD_HEADINGS
    )
    limitations: str = Field(description="Limitations: 한계점 한두 문장. ~다 체.")
    conclusion: str = Field(description="Conclusion: 결론 한 문장. ~다 체.")
    gist: str = Field(description=_GIST_DESCRIPTION + " ~다 체.")

    _gist_length = field_validator("gist")(_check_gist)
    key_figure: int | None = Field(description=_KEY_FIGURE)


BRIEF_MAX_CHARS = 160
"""Longest brief (characters, white space collapsed, ``gist`` and ``detail`` joined by a
space): issue 18 §3 asks for one or two Korean sentences of at most 160 characters, two
TL;DR-length sentences, so that the papers outside the top N take a line or two each."""

_BRIEF_GIST = (
    f"핵심 한 문장: 초록만 보고 논문이 무엇을 제안하거나 보였는지 {GIST_MAX_CHARS}자 이내의 "
    "한국어 한 문장으로 쓴다. 줄바꿈, 마크다운, 목록, 링크는 쓰지 않는다."
)
_BRIEF_DETAIL = (
    "덧붙이는 한 문장: 초록에 있는 가장 중요한 결과나 방법을 한국어 한 문장으로 쓴다. 핵심 "
    "문장과 합쳐 "
    f"{BRIEF_MAX_CHARS}자 이내. 초록에 덧붙일 내용이 없으면 null."
)


def _check_brief_length(value: str | None, info: ValidationInfo) -> str | None:
    """The brief's total length rule (:data:`BRIEF_MAX_CHARS`); the message is the re-ask."""
    gist = info.data.get("gist")
    if value is None or not isinstance(gist, str):
        return value
    length = len(collapse_space(gist)) + 1 + len(collapse_space(value))
    if length > BRIEF_MAX_CHARS:
        raise ValueError(
            f"gist and detail together must be at most {BRIEF_MAX_CHARS} characters; they "
            f"have {length}. Shorten detail to one short sentence, or set it to null"
        )
    return value


class _Brief(BaseModel):
    """The brief's fields and length rules; each style's subclass describes them."""

    gist: str
    detail: str | None

    _gist_length = field_validator("gist")(_check_gist)
    _brief_length = field_validator("detail")(_check_brief_length)


class SevenBrief(_Brief):
    """The brief beside ``seven`` digests: formal ~습니다 style."""

    model_config = ConfigDict(extra="forbid", title="seven-brief")

    gist: str = Field(description=_BRIEF_GIST + " 격식체(~습니다).")
    detail: str | None = Field(description=_BRIEF_DETAIL + " 격식체(~습니다).")


class GmrBrief(_Brief):
    """The brief beside ``gmr`` digests: plain ~다 style."""

    model_config = ConfigDict(extra="forbid", title="gmr-brief")

    gist: str = Field(description=_BRIEF_GIST + " ~다 체.")
    detail: str | None = Field(description=_BRIEF_DETAIL + " ~다 체.")


@dataclass(frozen=True)
class View:
    """A summary as templates see it, whatever its schema.

    ``overview`` is the one-paragraph summary; ``intro`` short labelled items; ``sections``
    titled bodies (markdown paragraphs or bullets, never headings or fences); ``gist`` the
    one-sentence TL;DR, None for a summary stored before the field existed.
    """

    overview: str
    intro: tuple[tuple[str, str], ...]
    sections: tuple[tuple[str, str], ...]
    gist: str | None = None


def _seven_view(labels: dict[str, str], content: dict[str, Any]) -> View:
    """``seven``'s layout: the overview, then the seven numbered sections; section 4 gathers
    datasets, baselines and (only when the paper masks) the masking."""
    setup = [f"- **사용된 데이터셋**: {content['datasets']}"]
    setup.append(f"- **비교 대상(Baseline)**: {content['baselines']}")
    if content.get("masking"):
        setup.append(f"- **마스킹 방식**: {content['masking']}")
    sections = [
        (labels["motivation"], content["motivation"]),
        (labels["contributions"], content["contributions"]),
        (labels["architecture"], content["architecture"]),
        ("4. 실험 설정", "\n".join(setup)),
        (labels["results"], content["results"]),
        (labels["limitations"], content["limitations"]),
        (labels["future_work"], content["future_work"]),
    ]
    return View(content["overview"], (), tuple(sections), content.get("gist") or None)


def _gmr_view(labels: dict[str, str], content: dict[str, Any]) -> View:
    """``gmr``'s layout: Goal as the overview, Motivation and Contribution as short labelled
    items, then Method, Results, Limitations and Conclusion as sections."""
    return View(
        content["goal"],
        (("Motivation", content["motivation"]), ("Contribution", content["contribution"])),
        tuple((labels[k], content[k]) for k in ("method", "results", "limitations", "conclusion")),
        content.get("gist") or None,
    )


def _brief_view(labels: dict[str, str], content: dict[str, Any]) -> View:
    """A brief's layout: its one or two sentences as the overview, the gist as the TL;DR."""
    text = " ".join(v for v in (content["gist"], content.get("detail")) if v)
    return View(text, (), (), content["gist"])


@dataclass(frozen=True)
class SchemaSpec:
    """A schema and every fact that differs between schemas.

    Attributes:
        name: its name on the command line and in the store (``seven``).
        model: the pydantic model of structured outputs.
        labels: field name -> label, used in re-ask messages and section headings.
        prompt_file: the system prompt's file name in ``paperdigest/prompts``.
        style: the sentence-ending style its answers must be written in (a content check).
        overview_opening: the words its ``overview`` field must open with, or None.
        template: the digest layout it pairs with when ``--template`` is not given (the
            digests it was specified from are plain markdown for the seven sections and
            Jekyll posts for Goal/Method/Results).
        layout: builds the :class:`View` templates render from a validated answer.
        brief_of: for a brief schema, the full schema whose digests it serves (its
            ``template`` is that schema's, and it is never chosen by ``--template``); None
            for a full schema.
        data_block: the tag of the user message's data block (``<paper>``, the weekly
            overview's ``<week>``), which the prompt file must explain as data.
    """

    name: str
    model: type[BaseModel]
    labels: dict[str, str]
    prompt_file: str
    style: Style
    overview_opening: str | None
    template: str
    layout: Callable[[dict[str, str], dict[str, Any]], View]
    brief_of: str | None = None
    data_block: str = "paper"

    @property
    def nullable(self) -> tuple[str, ...]:
        """Names of the fields the model may leave null (e.g. ``masking``), in field order."""
        return tuple(
            name
            for name, info in self.model.model_fields.items()
            if type(None) in get_args(info.annotation)
        )

    def view(self, content: dict[str, Any]) -> View:
        """Build the :class:`View` of a validated answer (a dict of this schema's fields).

        A stored answer without ``gist`` (written before the field existed) gives a view
        whose ``gist`` is None."""
        return self.layout(self.labels, content)


SCHEMAS: dict[str, SchemaSpec] = {
    "seven": SchemaSpec(
        name="seven",
        model=SevenSummary,
        labels={
            "overview": "Summary",
            "motivation": "1. 핵심 동기와 문제 정의",
            "contributions": "2. 주요 기여 및 참신성",
            "architecture": "3. 모델 아키텍처 및 학습 설정",
            "datasets": "4. 실험 설정 - 사용된 데이터셋",
            "baselines": "4. 실험 설정 - 비교 대상(Baseline)",
            "masking": "4. 실험 설정 - 마스킹 방식",
            "results": "5. 정량적 결과",
            "limitations": "6. 한계점 및 잠재적 실패 요인",
            "future_work": "7. 후속 연구 아이디어 또는 확장 방향",
            "gist": "TL;DR",
            "key_figure": "핵심 그림",
        },
        prompt_file="seven.md",
        style=Style.FORMAL,
        overview_opening=OVERVIEW_OPENING,
        template="digest",
        layout=_seven_view,
    ),
    "gmr": SchemaSpec(
        name="gmr",
        model=GmrSummary,
        labels={
            "goal": "Goal",
            "motivation": "Motivation",
            "contribution": "Contribution",
            "method": "Method",
            "results": "Results",
            "limitations": "Limitations",
            "conclusion": "Conclusion",
            "gist": "TL;DR",
            "key_figure": "핵심 그림",
        },
        prompt_file="gmr.md",
        style=Style.PLAIN,
        overview_opening=None,
        template="jekyll",
        layout=_gmr_view,
    ),
}


def _brief_spec(full: SchemaSpec, model: type[BaseModel]) -> SchemaSpec:
    """The brief schema of ``full``: its style and layout, one prompt for every brief."""
    return SchemaSpec(
        name=f"{full.name}-brief",
        model=model,
        labels={"gist": "핵심 한 문장", "detail": "덧붙이는 한 문장"},
        prompt_file="brief.md",
        style=full.style,
        overview_opening=None,
        template=full.template,
        layout=_brief_view,
        brief_of=full.name,
    )


SCHEMAS.update(
    (brief.name, brief)
    for brief in (_brief_spec(SCHEMAS["seven"], SevenBrief), _brief_spec(SCHEMAS["gmr"], GmrBrief))
)


class WeeklyOverview(BaseModel):
    """The weekly overview's schema: one Korean text."""

    model_config = ConfigDict(extra="forbid", title="weekly")

    overview: str = Field(
        description="이번 주 논문들을 주요 주제 2~4개로 묶어 소개하는 한국어 개요 3~6문장. "
        "격식체(~습니다). 논문을 하나씩 나열하지 말고 주제마다 어떤 논문들이 무엇을 하는지 "
        "설명한다. 수치는 주어진 요지에 있는 것만 그대로 쓴다. 제목(#), 목록, 링크는 쓰지 않는다."
    )


def _weekly_view(labels: dict[str, str], content: dict[str, Any]) -> View:
    return View(content["overview"], (), ())


WEEKLY = SchemaSpec(
    name="weekly",
    model=WeeklyOverview,
    labels={"overview": "이번 주 개요"},
    prompt_file="weekly.md",
    style=Style.FORMAL,
    overview_opening=None,
    template="digest",  # not used: a weekly post takes the layout of the week's digests
    layout=_weekly_view,
    data_block="week",
)
"""The weekly overview's :class:`SchemaSpec` (issue 19 §2): formal ~습니다 style, as the
7-section digest's, since the weekly post serves every layout."""

PROMPTED: dict[str, SchemaSpec] = {**SCHEMAS, WEEKLY.name: WEEKLY}
"""Every spec with a prompt file, by name: the summary schemas and :data:`WEEKLY`. Their
prompts are loaded together at start-up and their response formats cached together
(:func:`paperdigest.model.prompts.load_prompts`)."""


DEFAULT_SCHEMA = "seven"
"""The schema when neither ``--schema`` nor ``--template`` picks one: the 7-section digest,
the fullest of the two."""


def schema_for_template(template: str) -> str:
    """The schema a layout pairs with when only ``--template`` is given: the full schema
    whose :attr:`SchemaSpec.template` it is, else :data:`DEFAULT_SCHEMA`."""
    for spec in SCHEMAS.values():
        if spec.template == template and spec.brief_of is None:
            return spec.name
    return DEFAULT_SCHEMA


def brief_schema(name: str) -> SchemaSpec:
    """The brief schema that serves the full schema ``name`` (``seven`` → ``seven-brief``),
    written in its style; ``KeyError`` when ``name`` has none."""
    for spec in SCHEMAS.values():
        if spec.brief_of == name:
            return spec
    raise KeyError(name)


def get_schema(name: str) -> SchemaSpec:
    """The :class:`SchemaSpec` named ``seven``, ``gmr`` or one of their briefs (``seven-brief``,
    ``gmr-brief``); ``KeyError`` for any other name."""
    return SCHEMAS[name]
