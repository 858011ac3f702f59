"""Tests of paperdigest.sources html, pdf and selection: extraction and budgeted text selection.

Real inputs come from tests/fixtures/html and tests/fixtures/pdf (provenance in their
README.md). The footnote test composes a small LaTeXML-style snippet, because neither real
page has a footnote.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paperdigest.sources.html import extract_html
from paperdigest.sources.pdf import extract_pdf
from paperdigest.sources.selection import (
    KINDS,
    Section,
    cap_text,
    estimate_tokens,
    select_text,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _all_text(sections: list[Section]) -> str:
    return "\n".join([s.title for s in sections] + [p for s in sections for p in s.paragraphs])


@pytest.fixture(scope="module")
def apple() -> list[Section]:
    """Sections of 2601.19139 (newer LaTeXML template)."""
    return extract_html((FIXTURES / "html" / "2601.19139.html").read_bytes())


@pytest.fixture(scope="module")
def rag() -> list[Section]:
    """Sections of 2504.11765 (older LaTeXML template)."""
    return extract_html((FIXTURES / "html" / "2504.11765.html").read_bytes())


@pytest.fixture(scope="module")
def pdf_sections() -> list[Section]:
    """Sections of the real APS PDF 1111.2011v2 (extracted once: pypdf takes ~0.5 s)."""
    return extract_pdf((FIXTURES / "pdf" / "1111.2011v2.pdf").read_bytes())


# ----------------------------------------------------------------------------- estimate


def test_estimate_tokens_is_four_characters_a_token_rounded_up() -> None:
    """estimate_tokens is ceil(len / 4)."""
    assert [estimate_tokens("x" * n) for n in (0, 1, 4, 5, 8)] == [0, 1, 1, 2, 2]


# --------------------------------------------------------------------------------- HTML


def test_html_abstract_of_2601_is_extracted(apple: list[Section]) -> None:
    """The abstract of 2601.19139 is the first Section, kind abstract, whole."""
    first = apple[0]
    assert (first.title, first.kind) == ("Abstract", "abstract")
    assert first.paragraphs[0].startswith("The growing adoption of Apple Silicon")
    assert first.paragraphs[0].endswith("efficient inference on consumer Apple hardware.")


def test_html_abstract_of_2504_is_extracted(rag: list[Section]) -> None:
    """The abstract of 2504.11765 is the first Section, kind abstract, hard wraps joined."""
    first = rag[0]
    assert (first.title, first.kind) == ("Abstract", "abstract")
    text = first.paragraphs[0]
    assert text.startswith("Recent large language models (LLMs) face increasing inference latency")
    assert "for multi-instance LLM RAG service environments. This system, together" in text
    assert text.endswith("depending on the resource configuration.")


def test_html_section_titles_of_2601_in_document_order(apple: list[Section]) -> None:
    """Sections and subsections of 2601.19139 come out in order, numbering kept."""
    assert [s.title for s in apple] == [
        "Abstract",
        "1. Introduction",
        "2.1. Apple Silicon and Unified Memory",
        "2.2. MLX Framework",
        "2.3. LLM Inference on Apple Silicon",
        "2.4. Serving Challenges on Apple Silicon",
        "3.1. Framework Comparison",
        "3.2. Text Model Inference",
        "3.3. Multimodal Inference with Prefix Caching",
        "4. Evaluation",
        "4.1. Text Model Performance",
        "4.2. Multimodal Performance",
        "4.3. Ablation Studies",
        "4.4. Discussion",
        "5. Related Work",
        "6. Conclusion",
    ]


def test_html_section_kinds_follow_headings(apple: list[Section], rag: list[Section]) -> None:
    """Kinds come from heading keywords; subsections inherit their section's kind."""
    kinds = {s.title: s.kind for s in apple + rag}
    assert kinds["1. Introduction"] == "introduction"
    assert kinds["2.2. MLX Framework"] == "related"  # under "2. Background"
    assert kinds["3.3. Multimodal Inference with Prefix Caching"] == "method"  # "System Design"
    assert kinds["4.2. Multimodal Performance"] == "experiments"  # under "4. Evaluation"
    assert kinds["4.3. Ablation Studies"] == "results"
    assert kinds["4.4. Discussion"] == "limitations"
    assert kinds["5. Related Work"] == "related"
    assert kinds["6. Conclusion"] == "conclusion"
    assert kinds["I Introduction"] == "introduction"  # Roman numbering stripped for matching
    assert kinds["III Design and Implementation"] == "method"
    assert kinds["IV-A RAG-Dcache Results and Analysis"] == "results"
    assert {s.kind for s in apple + rag} <= set(KINDS)


def test_html_run_in_paragraph_headings_stay_with_their_text(apple: list[Section]) -> None:
    """An ltx_paragraph heading starts its first paragraph instead of becoming a Section."""
    method = next(s for s in apple if s.title == "3.2. Text Model Inference")
    assert any(p.startswith("Continuous Batching. Unlike llama.cpp") for p in method.paragraphs)


def test_html_references_are_dropped(apple: list[Section], rag: list[Section]) -> None:
    """Bibliography entries and the References heading are not extracted."""
    for text in (_all_text(apple), _all_text(rag)):
        assert "References" not in text
    assert "The Llama 3 Herd of Models" not in _all_text(apple)
    assert "arXiv:2407.21783" not in _all_text(apple)
    # In-text citations stay: they are part of the sentences.
    assert "vLLM-metal (vLLM Project, 2024), the official vLLM backend" in _all_text(apple)


def test_html_navigation_toc_footer_and_authors_are_dropped(apple: list[Section]) -> None:
    """The TOC (whose tags read "3.1 " where the body reads "3.1. "), footer and authors go."""
    text = _all_text(apple)
    assert "3.1 Framework Comparison" not in text
    assert "3.1. Framework Comparison" in text
    assert "Generated on" not in text  # the LaTeXML footer
    assert "wbarriosq@wiqonn.com" not in text  # the author block
    assert "Native LLM and MLLM Inference at Scale on Apple Silicon" not in text  # title, TOC


def test_html_table_is_one_block_of_rows(apple: list[Section]) -> None:
    """A table is a single block: caption first, then one line per row with cells " | "."""
    section = next(s for s in apple if s.title == "4.1. Text Model Performance")
    table = next(p for p in section.paragraphs if p.startswith("Table 1."))
    lines = table.split("\n")
    assert lines[0].startswith("Table 1. Text model throughput (tok/s) on M4 Max (128GB).")
    assert lines[1] == (
        "Model | Ours | vllm-metal (vLLM Project, 2024) | mlx-lm (Apple, 2023) "
        "| llama.cpp (Gerganov, 2023) | Speedup"
    )
    assert "Qwen3-0.6B | 525.5 | 365.8 | 356.2 | 281.5 | 1.87x" in lines


def test_html_nested_table_cell_is_one_cell(rag: list[Section]) -> None:
    """A table nested in a cell (2504.11765 Table II) reads as that cell's text."""
    table = next(p for s in rag for p in s.paragraphs if p.startswith("TABLE II:"))
    assert table.split("\n")[1:] == [
        "FAISS Vector DB | RAG-DCache and Shared RAG-DCache",
        "opt-1.3b | opt-2.7b | opt-6.7b | LLAMA-1B",
        "0.5MB | 5.9GB | 9.9GB | 16GB | 1GB",
    ]


def test_html_math_becomes_alttext(apple: list[Section], rag: list[Section]) -> None:
    """Each <math> is replaced by its TeX alttext, without the MathML text."""
    rag_text = _all_text(rag)
    assert r"(O(L\textperiodcentered N^{2}\textperiodcentered D))" in rag_text
    assert "∙" not in rag_text  # the MathML rendering of \bullet list markers
    apple_text = _all_text(apple)
    assert r"prefix\_hash\leftarrow\text{SHA256}(P[1:i])" in apple_text
    assert r"we achieve up to 28\times speedup" in apple_text


def test_html_figures_keep_captions_not_images(apple: list[Section]) -> None:
    """A figure contributes its caption as a block; the image's alt text does not appear."""
    text = _all_text(apple)
    assert "Figure 1. Framework capability comparison." in text
    assert "Refer to caption" not in text


def test_html_footnotes_are_dropped() -> None:
    """LaTeXML footnotes (ltx_note ltx_role_footnote) vanish, the sentence around them stays."""
    html = """<html><body><article class="ltx_document">
    <section class="ltx_section" id="S1">
      <h2 class="ltx_title ltx_title_section"><span class="ltx_tag">1 </span>Introduction</h2>
      <div class="ltx_para"><p class="ltx_p">We train a model<span class="ltx_note
        ltx_role_footnote"><sup class="ltx_note_mark">1</sup><span class="ltx_note_outer"><span
        class="ltx_note_content"><sup class="ltx_note_mark">1</sup>Code at example.org.</span>
        </span></span> on text.</p></div>
    </section></article></body></html>"""
    sections = extract_html(html)
    assert sections == [Section("1 Introduction", "introduction", ("We train a model on text.",))]


def test_html_unnamed_sections_between_introduction_and_experiments_are_method() -> None:
    """A section titled with the method's name sits where the method does: kind method.

    Composed LaTeXML-style snippet: neither real page has such a heading. Sections outside
    the introduction-to-experiments stretch, and the appendix, stay "other".
    """

    def section(number: str, title: str, cls: str = "ltx_section") -> str:
        return (
            f'<section class="{cls}"><h2 class="ltx_title"><span class="ltx_tag">{number} '
            f'</span>{title}</h2><div class="ltx_para"><p class="ltx_p">Text of {title}.</p>'
            "</div></section>"
        )

    html = (
        '<html><body><article class="ltx_document">'
        + section("", "Front Matter")
        + section("1", "Introduction")
        + section("2", "Preliminaries")
        + section("3", "Flow-GRPO")
        + section("4", "Experiments")
        + section("5", "Broader Impact")
        + section("6", "Conclusion")
        + section("A", "Proofs", "ltx_appendix")
        + "</article></body></html>"
    )
    kinds = [(s.title, s.kind) for s in extract_html(html)]
    assert kinds == [
        ("Front Matter", "other"),
        ("1 Introduction", "introduction"),
        ("2 Preliminaries", "method"),
        ("3 Flow-GRPO", "method"),
        ("4 Experiments", "experiments"),
        ("5 Broader Impact", "other"),
        ("6 Conclusion", "conclusion"),
        ("A Proofs", "other"),
    ]


def test_html_empty_page_gives_no_sections() -> None:
    """Empty or text-free input yields an empty list rather than an error."""
    assert extract_html(b"") == []
    assert extract_html("   ") == []
    assert extract_html("<html><body><script>var x = 1;</script></body></html>") == []


# ---------------------------------------------------------------------------------- PDF


def test_pdf_text_contains_first_page_words(pdf_sections: list[Section]) -> None:
    """The real PDF's first page (title, abstract, introduction) comes through."""
    text = _all_text(pdf_sections)
    assert "Quantum Criticality for Extended Nodes on a Bethe Lattice" in text
    assert "effective action for a single node" in text  # ligature "ﬀ" undone
    intro = next(s for s in pdf_sections if s.kind == "introduction")
    assert intro.title == "I. INTRODUCTION"
    assert intro.paragraphs[0].startswith("It is often the case that the relevent degrees of")
    assert "degrees of freedom" in intro.paragraphs[0]  # "free-" / "dom" joined


def test_pdf_headings_become_sections(pdf_sections: list[Section]) -> None:
    """APS headings (Roman, wrapped upper case, lettered subsections) start Sections."""
    assert [s.title for s in pdf_sections] == [
        "",
        "I. INTRODUCTION",
        "II. SELF-CONSISTENT ACTION IN THE LARGE z LIMIT",
        "A. Ordered Phase",
        "B. Disordered phase",
        "III. CRITICAL POINT IN N → ∞ LIMIT",
        "IV. CORRECTIONS AT FINITE N",
        "V. DISCUSSION",
        "ACKNOWLEDGMENTS",
    ]


def test_pdf_body_sections_without_keywords_are_method(pdf_sections: list[Section]) -> None:
    """Between "I. INTRODUCTION" and "V. DISCUSSION" the unnamed sections are the method."""
    assert [s.kind for s in pdf_sections] == [
        "other",  # front matter, before the introduction
        "introduction",
        "method",
        "method",
        "method",
        "method",
        "method",
        "limitations",
        "other",  # acknowledgments: back matter
    ]


def test_pdf_reference_list_is_dropped(pdf_sections: list[Section]) -> None:
    """The numbered reference list after the acknowledgments (no heading) is cut off."""
    text = _all_text(pdf_sections)
    assert "Johnston" not in text
    assert "Adv. Phys." not in text
    assert "Quantum Phase Transitions, Cambridge" not in text
    assert (
        pdf_sections[-1].paragraphs[-1].endswith("Division of Materials Sciences and Engineering.")
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"not a pdf at all", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"],
    ids=["empty", "text", "broken-pdf"],
)
def test_pdf_unreadable_raises_value_error(data: bytes) -> None:
    """A file pypdf cannot read, or with no text, raises ValueError."""
    with pytest.raises(ValueError):
        extract_pdf(data)


def test_pdf_truncated_file_raises_value_error() -> None:
    """The first 2 KB of a real PDF (a cut-off download) raises ValueError."""
    data = (FIXTURES / "pdf" / "1111.2011v2.pdf").read_bytes()[:2048]
    with pytest.raises(ValueError):
        extract_pdf(data)


# ---------------------------------------------------------------------------- selection


def _parse(text: str) -> list[tuple[str, list[str]]]:
    """Split select_text output into (heading, paragraphs) in output order."""
    out: list[tuple[str, list[str]]] = []
    for chunk in text.split("\n\n"):
        if chunk.startswith("## "):
            heading, _, first = chunk.partition("\n")
            out.append((heading[3:], [first]))
        else:
            out[-1][1].append(chunk)
    return out


def _is_table(block: str) -> bool:
    """A table block as extracted: caption or first row, then rows of " | "-joined cells."""
    return any(" | " in line for line in block.split("\n")[1:])


def test_select_text_within_budget_cuts_at_paragraph_boundaries(apple: list[Section]) -> None:
    """Under a tight budget: abstract first, document order, whole paragraphs only."""
    abstract = apple[0].paragraphs[0]
    text, truncated = select_text(apple, abstract, 1500)
    assert truncated
    assert estimate_tokens(text) <= 1500
    assert text.startswith("## Abstract\n" + abstract + "\n\n## ")
    parsed = _parse(text)
    by_title = {s.title: s for s in apple}
    titles = [title for title, _ in parsed[1:]]
    document_order = [s.title for s in apple]
    assert titles == sorted(titles, key=document_order.index)
    assert "1. Introduction" in titles
    for title, paragraphs in parsed[1:]:
        # Whole paragraphs in document order: a leading run of the section, then possibly
        # some of its later tables.
        own = by_title[title].paragraphs
        positions = [own.index(p) for p in paragraphs]
        assert positions == sorted(positions)
        run = next((k for k, n in enumerate(positions) if n != k), len(positions))
        assert all(_is_table(p) for p in paragraphs[run:])
    assert len(titles) < len(apple) - 1  # something was left out


def test_select_text_prefers_introduction_and_method_over_related(apple: list[Section]) -> None:
    """With room for part of the paper, related work is the last thing taken."""
    text, _ = select_text(apple, apple[0].paragraphs[0], 2500)
    assert "## 1. Introduction" in text
    assert "## 3.2. Text Model Inference" in text
    assert "## 5. Related Work" not in text


def test_select_text_huge_budget_takes_everything(apple: list[Section]) -> None:
    """With a huge budget, method and experiments text (tables included) is all there."""
    text, truncated = select_text(apple, apple[0].paragraphs[0], 1_000_000)
    assert not truncated
    assert "Content-Based Hashing. A key challenge is that identical images" in text
    assert "Qwen3-0.6B | 525.5 | 365.8 | 356.2 | 281.5 | 1.87x" in text
    assert [title for title, _ in _parse(text)] == [s.title for s in apple]  # no repeat


def test_select_text_uses_abstract_section_when_argument_empty(rag: list[Section]) -> None:
    """An empty abstract argument falls back to the extracted abstract Section."""
    text, _ = select_text(rag, "", 600)
    assert text.startswith("## Abstract\nRecent large language models (LLMs) face")
    assert estimate_tokens(text) <= 600


def test_select_text_normalizes_the_given_abstract() -> None:
    """The given abstract's hard wraps (as in HF summaries) are joined."""
    text, truncated = select_text([], "Line one\n  wraps here.", 100)
    assert (text, truncated) == ("## Abstract\nLine one wraps here.", False)


def test_select_text_caps_an_oversized_abstract() -> None:
    """An abstract over budget is cut at a sentence with cap_text, and sections are left out."""
    abstract = "A finding is reported here. " * 500
    sections = [Section("1 Introduction", "introduction", ("Intro text.",))]
    text, truncated = select_text(sections, abstract, 100)
    assert truncated
    assert estimate_tokens(text) <= 100
    assert text.startswith("## Abstract\nA finding is reported here.")
    assert text.endswith("reported here.")
    assert "Intro text." not in text


def test_select_text_never_empty_with_an_abstract() -> None:
    """Even a zero budget returns some abstract text rather than nothing."""
    text, truncated = select_text([], "Tiny abstract here.", 0)
    assert text
    assert truncated


def test_select_text_skips_a_paragraph_bigger_than_the_rest() -> None:
    """A section whose first paragraph does not fit gives nothing; smaller ones still fit."""
    sections = [
        Section("1 Introduction", "introduction", ("x" * 2000,)),
        Section("2 Method", "method", ("Short method.", "y" * 2000)),
    ]
    text, truncated = select_text(sections, "Abstract.", 50)
    assert truncated
    assert text == "## Abstract\nAbstract.\n\n## 2 Method\nShort method."


def test_select_text_gives_every_part_its_opening_before_extending_any() -> None:
    """Each part's first paragraph is taken before any part is extended or shared out.

    The budget holds the four openings exactly. The introduction's opening (200 characters)
    is bigger than an equal share of the budget, yet it comes, and the long method gives
    only its opening.
    """
    sections = [
        Section("1 Introduction", "introduction", ("Intro 0. " + "i" * 191,)),
        Section("2 Method", "method", tuple(f"Method {n}. " + "m" * 90 for n in range(9))),
        Section("3 Results", "results", ("Results 0. " + "r" * 89,)),
        Section("4 Conclusion", "conclusion", ("Conclusion 0. " + "c" * 86,)),
    ]
    openings = [f"## {s.title}\n{s.paragraphs[0]}" for s in sections]
    budget = estimate_tokens("\n\n".join(openings))
    text, truncated = select_text(sections, "", budget)
    assert truncated
    assert text == "\n\n".join(openings)


def test_select_text_keeps_results_tables_and_conclusion_of_2504(rag: list[Section]) -> None:
    """At 6000 tokens (half the paper) a 3.9k-token method does not crowd out section IV.

    The main results table (TABLE V, the 16th block of IV-B) and the conclusion come through
    beside the introduction and the method.
    """
    text, truncated = select_text(rag, "", 6000)
    assert truncated
    assert estimate_tokens(text) <= 6000
    titles = [title for title, _ in _parse(text)]
    for title in (
        "I Introduction",
        "III-A Disk-based KV Cache Structure and Operation",
        "IV Evaluation",
        "IV-A RAG-Dcache Results and Analysis",
        "IV-B Shared RAG-DCache Results and Analysis",
        "V Conclusion",
    ):
        assert title in titles
    assert "TABLE V: Average Performance Results by Configuration\n" in text


def test_select_text_keeps_results_tables_and_conclusion_of_2601(apple: list[Section]) -> None:
    """At 2000 tokens (a third of the paper) section 4 gives tables, and 6 its conclusion."""
    text, truncated = select_text(apple, apple[0].paragraphs[0], 2000)
    assert truncated
    assert estimate_tokens(text) <= 2000
    kinds = {s.title: s.kind for s in apple}
    parsed = _parse(text)
    assert "1. Introduction" in [title for title, _ in parsed]
    assert "6. Conclusion" in [title for title, _ in parsed]
    tables = [
        p
        for title, paragraphs in parsed[1:]
        for p in paragraphs
        if kinds[title] in ("experiments", "results") and _is_table(p)
    ]
    assert len(tables) >= 2


def test_select_text_keeps_discussion_of_the_pdf(pdf_sections: list[Section]) -> None:
    """At 2000 tokens (under a quarter of the PDF) introduction, method and discussion come."""
    text, truncated = select_text(pdf_sections, "", 2000)
    assert truncated
    assert estimate_tokens(text) <= 2000
    titles = [title for title, _ in _parse(text)]
    assert titles[0] == "I. INTRODUCTION"
    assert "II. SELF-CONSISTENT ACTION IN THE LARGE z LIMIT" in titles
    assert titles[-1] == "V. DISCUSSION"  # the paper's conclusion; kind limitations


def test_select_text_takes_back_matter_last() -> None:
    """Related work, though ranked low, comes before acknowledgments."""
    sections = [
        Section("1 Introduction", "introduction", ("Intro.",)),
        Section("5 Related Work", "related", ("Others did things " + "r" * 50,)),
        Section("Acknowledgments", "other", ("We thank " + "a" * 60,)),
    ]
    text, _ = select_text(sections, "", 30)  # room for the introduction and one more
    assert [title for title, _ in _parse(text)] == ["1 Introduction", "5 Related Work"]


def test_select_text_is_deterministic(apple: list[Section]) -> None:
    """The same input gives the same output."""
    assert select_text(apple, "", 2000) == select_text(list(apple), "", 2000)


# ------------------------------------------------------------------------------ cap_text


def test_cap_text_keeps_text_that_fits() -> None:
    """A text within budget comes back unchanged, not truncated."""
    assert cap_text("Short. Text.", 3) == ("Short. Text.", False)


def test_cap_text_cuts_200kb_at_a_sentence_boundary() -> None:
    """A 200 KB hostile abstract is cut within budget right after a sentence end."""
    sentence = "The model improves accuracy on every benchmark we tried. "
    text = sentence * (200_000 // len(sentence) + 1)
    assert len(text) > 200_000
    cut, truncated = cap_text(text, 1000)
    assert truncated
    assert len(cut) <= 4000
    assert estimate_tokens(cut) <= 1000
    assert cut.endswith("we tried.")
    assert len(cut) > 4000 - len(sentence)  # the last boundary, not an early one


def test_cap_text_cuts_korean_at_sentence_end() -> None:
    """Korean "다. " and "。" count as sentence ends."""
    cut, truncated = cap_text("모델을 제안한다. 성능이 좋다. 그리고 계속되는 문장", 6)
    assert (cut, truncated) == ("모델을 제안한다. 성능이 좋다.", True)
    cut, _ = cap_text("第一句。第二句。第三句很长很长很长很长很长很长", 2)
    assert cut == "第一句。第二句。"


def test_cap_text_falls_back_to_space_then_hard_cut() -> None:
    """Without a sentence end the cut is at the last space, else at the limit."""
    assert cap_text("alpha beta gamma delta epsilon", 3) == ("alpha beta", True)
    assert cap_text("x" * 100, 2) == ("x" * 8, True)
