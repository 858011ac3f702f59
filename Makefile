# Two set-up commands on a fresh machine: `make run DATE=2025-11-07` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATE ?= today
ARGS ?=

.PHONY: run test golden lint bench docs install dev clean

$(BIN)/paperdigest: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/paperdigest $@

install: $(BIN)/paperdigest

dev: $(VENV)/.dev

run: $(BIN)/paperdigest
	$(BIN)/paperdigest run --date $(DATE) $(ARGS)

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q

# After a deliberate template change: rewrite tests/golden, then review `git diff tests/golden`.
golden: $(VENV)/.dev
	$(BIN)/python -m pytest -q --update-golden tests/test_daily_digest.py -k golden

lint: $(VENV)/.dev
	$(BIN)/ruff check paperdigest tests benchmarks tools
	$(BIN)/ruff format --check paperdigest tests benchmarks tools
	$(BIN)/mypy

# Every benchmark runs even when an earlier one misses a target; the target fails if any does.
bench: $(VENV)/.dev
	$(BIN)/python benchmarks/bench_day.py; day=$$?; \
	$(BIN)/python benchmarks/bench_checks.py; checks=$$?; \
	$(BIN)/python benchmarks/bench_tiers.py; tiers=$$?; \
	$(BIN)/python benchmarks/bench_relevance.py; relevance=$$?; \
	$(BIN)/python benchmarks/bench_search.py; search=$$?; \
	exit $$(( day || checks || tiers || relevance || search ))

# The settings table of docs/configuration.md comes from paperdigest/config.py; then the site.
docs: $(VENV)/.dev
	$(BIN)/python tools/configdoc.py
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site
