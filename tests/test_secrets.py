"""Secrets: the API key never appears in logs (plain, -v, JSON), the database, the digests,
or error messages, including the text of openai exceptions that echo it."""

from __future__ import annotations

import pytest
from conftest import AppEnv
from runhelpers import DAY_IDS, invoke, run_day

# A key that is not sk-shaped: redaction must not rely on the sk- pattern alone.
PLAIN_KEY = "fw-plain-Zq81nB7rKd0Lmx42"


def _fault_mix(env: AppEnv) -> None:
    # The fake echoes the Authorization header in a 400 message, like some proxies do;
    # the others make the openai client log retries and the re-ask loop log rejections.
    env.fake.chat_faults_by_id[DAY_IDS[0]] = ["http_400_echo_key"]
    env.fake.chat_faults_by_id[DAY_IDS[1]] = ["http_500"]
    env.fake.chat_faults_by_id[DAY_IDS[2]] = ["english"]
    env.fake.chat_faults_by_id[DAY_IDS[3]] = ["http_429"]


def _leaks(env: AppEnv, key: str, *streams: str) -> list[str]:
    """Where ``key`` (or a long piece of it) shows up: the streams or any output file."""
    pieces = {key, key[-12:], key[:12]}
    found = [f"stream {i}" for i, s in enumerate(streams) if any(p in s for p in pieces)]
    for path in env.out_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [str(path) for p in pieces if p.encode() in data]
    return found


@pytest.mark.parametrize("flags", [[], ["-v"], ["-v", "--log-json"]])
def test_api_key_appears_nowhere(env: AppEnv, flags: list[str]) -> None:
    """The key is in no log (plain, -v, JSON), database file, digest or echoed error."""
    _fault_mix(env)
    result = run_day(*flags, "--limit", "4")
    assert result.exit_code == 3  # the 400 is not retried: that paper fails
    assert "request rejected: Error code: 400 - Invalid request (Authorization: Bearer ***)" in (
        result.stderr
    )
    assert _leaks(env, env.api_key, result.stdout, result.stderr) == []
    show = invoke("show", DAY_IDS[2])
    assert show.exit_code == 0
    assert _leaks(env, env.api_key, show.stdout, show.stderr) == []


def test_key_from_toml_file_is_redacted_though_not_sk_shaped(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain key from paperdigest.toml (not in the environment) is masked in error text."""
    monkeypatch.delenv("OPENAI_API_KEY")
    (env.tmp_path / "paperdigest.toml").write_text(f'OPENAI_API_KEY = "{PLAIN_KEY}"\n')
    _fault_mix(env)
    result = run_day("-v", "--limit", "4")
    assert result.exit_code == 3, result.stderr
    assert _leaks(env, PLAIN_KEY, result.stdout, result.stderr) == []

    _break_rendering(monkeypatch, f"proxy said: key {PLAIN_KEY} is over quota")
    result = run_day("-v", "--limit", "1")
    assert result.exit_code == 1
    assert "proxy said: key *** is over quota" in result.stderr
    assert _leaks(env, PLAIN_KEY, result.stdout, result.stderr) == []


def _break_rendering(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    import paperdigest.flows.day as pipeline

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError(message)

    monkeypatch.setattr(pipeline, "render_digest", broken)


def test_unexpected_error_text_with_key_is_redacted(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception whose text carries the key: one redacted line, exit 1."""
    _break_rendering(monkeypatch, f"boom: Authorization: Bearer {env.api_key}, {env.api_key}")
    for flags in ([], ["-v"]):
        result = run_day(*flags, "--limit", "1")
        assert result.exit_code == 1
        assert "paperdigest: error: unexpected RuntimeError: boom" in result.stderr
        assert _leaks(env, env.api_key, result.stdout, result.stderr) == []
