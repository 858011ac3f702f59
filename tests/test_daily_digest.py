"""The daily digest end to end: fetch → summarize → validate → write, on recorded data.

Every test runs the real CLI in-process against the local fake upstream (``env`` fixture).
Golden files live in tests/golden; regenerate them with ``make golden`` (pytest's
``--update-golden``) after a deliberate change to a template, and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import AppEnv, app_env
from fakeserver import FakeUpstream, korean_sentence
from runhelpers import resummarized_answer
from typer.testing import CliRunner

from paperdigest.cli import app

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = Path(__file__).parent / "fixtures"
DAY = "2025-11-07"


def _ids(day: str = DAY, name: str | None = None) -> list[str]:
    data = json.loads((FIXTURES / "hf" / (name or f"{day}.json")).read_text(encoding="utf-8"))
    return [item["paper"]["id"] for item in data]


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``paperdigest ARGS`` in-process; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_run_writes_all_papers_in_list_order(env: AppEnv) -> None:
    """All 15 papers of 2025-11-07 appear in the daily list's order."""
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    text = Path(out.strip().splitlines()[-1]).read_text(encoding="utf-8")
    positions = [text.index(f"## {aid}\n") for aid in _ids()]
    assert len(positions) == 15
    assert positions == sorted(positions)


def test_every_section_is_filled_from_the_model_answer(env: AppEnv) -> None:
    """Each of the seven sections and the overview carry the model's text for each paper."""
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    text = Path(out.strip()).read_text(encoding="utf-8")
    fields = (
        "overview",
        "motivation",
        "contributions",
        "architecture",
        "datasets",
        "baselines",
        "results",
        "limitations",
        "future_work",
    )
    for aid in _ids():
        for field in fields:
            assert korean_sentence(aid, field) in text, (aid, field)


def test_written_path_is_the_last_line_on_stdout(env: AppEnv) -> None:
    """stdout ends with the digest's path, inside the output folder."""
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    assert (
        out.strip().splitlines()[-1] == str(env.out_dir.resolve() / f"{DAY}.md")
        or Path(out.strip().splitlines()[-1]).resolve() == (env.out_dir / f"{DAY}.md").resolve()
    )


@pytest.mark.parametrize(
    ("template", "schema", "filename"),
    [
        ("digest", "seven", f"{DAY}.md"),
        ("jekyll", "gmr", f"{DAY}-hf-daily-papers.md"),
        ("docusaurus", "seven", f"{DAY}-papers-review.md"),
    ],
)
def test_layout_matches_golden_file(
    env: AppEnv, update_golden: bool, template: str, schema: str, filename: str
) -> None:
    """Each layout renders 2025-11-07 byte for byte as its reviewed golden file."""
    code, out, _ = run_cli("run", "--date", DAY, "--template", template, "--schema", schema)
    assert code == 0
    written = Path(out.strip().splitlines()[-1])
    assert written.name == filename
    golden = GOLDEN / f"{DAY}.{template}.md"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(written.read_bytes())
    assert written.read_bytes() == golden.read_bytes()


def test_stray_update_golden_variable_is_cleared_for_the_tests(
    fake_upstream: FakeUpstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UPDATE_GOLDEN left in the shell is gone inside the test environment: only
    --update-golden rewrites golden files."""
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    with app_env(fake_upstream, tmp_path):
        assert "UPDATE_GOLDEN" not in os.environ


def test_template_alone_picks_its_paired_schema(env: AppEnv) -> None:
    """--template jekyll without --schema uses gmr (Goal/Method/Results)."""
    code, out, _ = run_cli("run", "--date", DAY, "--template", "jekyll")
    assert code == 0
    text = Path(out.strip()).read_text(encoding="utf-8")
    assert "## Introduction\n\n- Goal: " in text
    assert "## Method" in text


def test_jekyll_front_matter_parses(env: AppEnv) -> None:
    """The Jekyll post's front matter is valid YAML with layout, quoted title, tags, and the
    date as Seoul's midnight with its offset (one instant on a build machine in any zone)."""
    code, out, _ = run_cli("run", "--date", DAY, "--template", "jekyll")
    assert code == 0
    text = Path(out.strip()).read_text(encoding="utf-8")
    _, front, _ = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["layout"] == "post"
    assert DAY in meta["title"]
    assert str(meta["date"]) == f"{DAY} 00:00:00 +0900"
    assert "papers" in meta["tags"]


def test_docusaurus_shows_organization_and_subtitle(env: AppEnv) -> None:
    """Docusaurus headings carry the HF organization in backticks and the subtitle as ###."""
    code, out, _ = run_cli("run", "--date", DAY, "--template", "docusaurus")
    assert code == 0
    text = Path(out.strip()).read_text(encoding="utf-8")
    assert (
        "## 1. [Thinking with Video](https://huggingface.co/papers/2511.04570) `OpenMOSS`" in text
    )
    assert "### Video Generation as a Promising Multimodal Reasoning Paradigm" in text


def test_digest_has_no_code_fence_or_masking_filler(env: AppEnv) -> None:
    """No paper is wrapped in a code fence, and 마스킹 방식 is omitted when the model says null."""
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    text = Path(out.strip()).read_text(encoding="utf-8")
    assert "```" not in text
    assert "마스킹 방식" not in text


def test_empty_day_writes_no_file_and_exits_0(env: AppEnv) -> None:
    """A weekend day (empty list) says so, writes nothing and asks the model nothing."""
    code, out, err = run_cli("run", "--date", "2025-11-08")
    assert code == 0
    assert out.strip() == ""
    assert "no papers on 2025-11-08" in err
    assert not list(env.out_dir.glob("*.md"))
    assert env.fake.chat_count == 0


def test_cached_rerun_asks_nothing_and_keeps_bytes(env: AppEnv) -> None:
    """A second run of the same day makes 0 model calls and leaves the digest byte-identical."""
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    path = Path(out.strip())
    first = path.read_bytes()
    calls = env.fake.chat_count
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    assert env.fake.chat_count == calls
    assert path.read_bytes() == first


def test_grown_list_summarizes_only_new_papers(env: AppEnv) -> None:
    """Morning list (10) then the final list (15): the second run asks about the 5 new papers."""
    env.fake.hf_files[DAY] = "2025-11-07.morning.json"
    code, _, _ = run_cli("run", "--date", DAY)
    assert code == 0
    assert env.fake.chat_count == 10
    del env.fake.hf_files[DAY]
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    new = set(_ids()) - set(_ids(name="2025-11-07.morning.json"))
    asked_later = {
        json.loads(json.dumps(r))["messages"][1]["content"].split("arXiv id: ")[1].split("\n")[0]
        for r in env.fake.chat_requests[10:]
    }
    assert asked_later == new
    assert Path(out.strip()).read_text(encoding="utf-8").count("\n## 25") == 15


def test_broken_answer_is_reasked_with_the_error_and_fixed(env: AppEnv) -> None:
    """An English first answer is re-asked with the validation error appended, then published."""
    env.fake.chat_faults_by_id["2511.04460"] = ["english"]
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    asks = [
        r for r in env.fake.chat_requests if "arXiv id: 2511.04460\n" in r["messages"][1]["content"]
    ]
    assert len(asks) == 2
    reask = asks[1]["messages"]
    assert reask[-2]["role"] == "assistant"
    assert "must be written in Korean" in reask[-1]["content"]
    text = Path(out.strip()).read_text(encoding="utf-8")
    assert korean_sentence("2511.04460", "overview") in text


def test_resummarize_rewrites_only_that_paper(env: AppEnv) -> None:
    """resummarize replaces one paper's part of every digest listing it (its section and its
    TL;DR line), nothing else."""
    code, out, _ = run_cli("run", "--date", DAY)
    assert code == 0
    path = Path(out.strip())
    before = path.read_text(encoding="utf-8")

    env.fake.chat_handler = resummarized_answer
    code, out, _ = run_cli("resummarize", "2511.04460")
    assert code == 0
    assert env.fake.chat_count == 16
    after = path.read_text(encoding="utf-8")
    assert "다시 요약한 overview 항목의 한국어 문장입니다." in after
    start_b, start_a = before.index("## 2511.04460"), after.index("## 2511.04460")
    end_b, end_a = before.index("## 2511.03773"), after.index("## 2511.03773")
    head_b, head_a = before[:start_b].splitlines(), after[:start_a].splitlines()
    changed = [(b, a) for b, a in zip(head_b, head_a, strict=True) if b != a]
    assert [a for _, a in changed] == [
        "2. [V-Thinker: Interactive Thinking with Images](#251104460) (👍 65) — "
        "다시 요약한 gist 항목의 한국어 문장입니다."
    ]
    assert before[end_b:] == after[end_a:]
    assert str(path.resolve()) in out


def test_resummarize_rewrites_the_digests_of_both_schemas(env: AppEnv) -> None:
    """A paper listed by a seven digest and a gmr digest is summarized in both schemas (one
    call each) and both files are rewritten, without warnings."""
    assert run_cli("run", "--date", DAY, "--limit", "2")[0] == 0
    assert run_cli("run", "--date", DAY, "--limit", "2", "--template", "jekyll")[0] == 0
    calls = env.fake.chat_count
    code, out, err = run_cli("resummarize", "2511.04460")
    assert code == 0, err
    assert env.fake.chat_count == calls + 2
    printed = {Path(line).name for line in out.split()}
    assert printed == {f"{DAY}.md", f"{DAY}-hf-daily-papers.md"}


def test_resummarize_writes_the_schema_that_worked_when_another_fails(env: AppEnv) -> None:
    """seven's answers stay English (exit 3), yet gmr's fresh summary reaches its digest."""
    assert run_cli("run", "--date", DAY, "--limit", "2")[0] == 0
    code, out, _ = run_cli("run", "--date", DAY, "--limit", "2", "--template", "jekyll")
    jekyll = Path(out.strip())

    def handler(body: dict[str, object]) -> dict[str, object]:
        schema = body["response_format"]["json_schema"]["schema"]  # type: ignore[index]
        seven = "overview" in schema["properties"]
        return {
            k: None
            if k in ("masking", "key_figure")
            else "This answer is in English."
            if seven
            else f"다시 요약한 {k} 항목의 한국어 문장으로, 시험을 위해 쓴 것이다."
            for k in schema["properties"]
        }

    env.fake.chat_handler = handler
    code, out, err = run_cli("resummarize", "2511.04460")
    assert code == 3, err
    assert "다시 요약한 method 항목의 한국어 문장으로" in jekyll.read_text(encoding="utf-8")
    assert str(jekyll.resolve()) in out


def test_resummarize_keeps_a_paper_the_digest_listed_as_failed(env: AppEnv) -> None:
    """A paper a digest lists as failed stays so when another paper is resummarized, though
    a later run (another layout) has stored its summary since: nothing else changes."""
    env.fake.chat_faults_by_id["2511.03773"] = ["english"] * 3
    code, out, _ = run_cli("run", "--date", DAY, "--limit", "3")
    assert code == 3
    path = Path(out.strip())
    before = path.read_text(encoding="utf-8")
    assert run_cli("run", "--date", DAY, "--limit", "3", "--template", "docusaurus")[0] == 0

    assert run_cli("resummarize", "2511.04570")[0] == 0

    after = path.read_text(encoding="utf-8")
    start_b, start_a = before.index("## 2511.04460"), after.index("## 2511.04460")
    assert before[start_b:] == after[start_a:]  # the failed paper is still listed as failed
    assert "## 2511.03773" not in after


def test_resummarize_paper_in_no_digest_prints_its_part(env: AppEnv) -> None:
    """A paper in no digest is fetched from arXiv, summarized, and its part printed."""
    code, out, _ = run_cli("resummarize", "2511.03773")
    assert code == 0
    assert "## 2511.03773" in out
    assert korean_sentence("2511.03773", "overview") in out
    assert env.fake.arxiv_api_count == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run", "--date", "2025-02-30"), "not a date"),
        (("run", "--date", "07-11-2025"), "not a date"),
        (("run", "--date", "2025-W45-5"), "not a date"),  # an ISO week date
        (("resummarize", "../../etc/passwd"), "not an arXiv id"),
        (("run", "--template", "html"), "Invalid value"),
        (("run", "--limit", "0"), "Invalid value"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_model_call(
    env: AppEnv, args: tuple[str, ...], needle: str
) -> None:
    """Impossible dates, malformed ids and bad options exit 2 with a message, no traceback,
    and leave nothing behind (not even the database)."""
    code, _, err = run_cli(*args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err
    assert env.fake.chat_count == 0
    assert not (env.out_dir / "paperdigest.db").exists()


def test_missing_api_key_exits_2_before_any_request(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without OPENAI_API_KEY (and no OPENAI_BASE_URL) the run stops at once with exit 2."""
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    code, _, err = run_cli("run", "--date", DAY)
    assert code == 2
    assert "OPENAI_API_KEY is not set" in err
    assert env.fake.requests == []


def test_invalid_setting_exits_2_naming_it(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """A malformed PAPERDIGEST_ setting is named in a one-line error, exit 2."""
    monkeypatch.setenv("PAPERDIGEST_MAX_ATTEMPTS", "many")
    code, _, err = run_cli("run", "--date", DAY)
    assert code == 2
    assert "PAPERDIGEST_MAX_ATTEMPTS" in err
    assert len(err.strip().splitlines()) == 1


def test_toml_config_file_is_read(env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings may come from the TOML file named by PAPERDIGEST_CONFIG."""
    config = env.tmp_path / "pd.toml"
    config.write_text(f'output_dir = "{env.tmp_path / "from-toml"}"\n', encoding="utf-8")
    monkeypatch.setenv("PAPERDIGEST_CONFIG", str(config))
    monkeypatch.delenv("PAPERDIGEST_OUTPUT_DIR")
    code, out, _ = run_cli("run", "--date", DAY, "--limit", "1")
    assert code == 0
    assert Path(out.strip()).parent == env.tmp_path / "from-toml"


def test_yesterday_is_taken_in_the_configured_time_zone(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'yesterday' names the day before today in PAPERDIGEST_TIMEZONE, and the run says so.
    UTC+14 and UTC-11 are 25 hours apart, so their dates differ at any moment."""

    def yesterday(zone: str) -> str:
        return (datetime.now(ZoneInfo(zone)).date() - timedelta(days=1)).isoformat()

    said = []
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        monkeypatch.setenv("PAPERDIGEST_TIMEZONE", zone)
        # The run reads the clock between these two reads: its day is one of theirs, also
        # when midnight in the zone falls during the run (then they differ by one day).
        before = yesterday(zone)
        code, _, err = run_cli("run", "--date", "yesterday")
        after = yesterday(zone)
        assert code == 0
        dates = re.findall(r"date: (\d{4}-\d\d-\d\d) \(yesterday\)", err)
        assert len(dates) == 1 and dates[0] in {before, after}, err
        said.append(dates[0])
    assert said[0] != said[1]


def test_python_dash_m_runs_the_cli(env: AppEnv) -> None:
    """`python -m paperdigest --version` works like the console script."""
    result = subprocess.run(
        [sys.executable, "-m", "paperdigest", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == "0.1.0"


def test_first_run_caches_response_formats_beside_the_database(env: AppEnv) -> None:
    """The first run into a new output folder already leaves the response-format cache, so the
    next (cached) run need not import openai."""
    code, _, _ = run_cli("run", "--date", DAY)
    assert code == 0
    assert (env.out_dir / ".paperdigest-formats.json").is_file()


def test_unchanged_rerun_does_not_rebuild_index_and_feed(env: AppEnv) -> None:
    """A rerun whose digest comes out byte-identical leaves feed.xml as it finds it (a
    rebuild would replace the marked copy below); a deleted feed is written again."""
    assert run_cli("run", "--date", DAY)[0] == 0
    feed = env.out_dir / "feed.xml"
    marked = feed.read_bytes() + b"<!-- marker -->\n"
    feed.write_bytes(marked)
    assert run_cli("run", "--date", DAY)[0] == 0
    assert feed.read_bytes() == marked
    feed.unlink()
    assert run_cli("run", "--date", DAY)[0] == 0
    assert feed.is_file()
