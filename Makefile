# The everyday commands (CONTRIBUTING.md). `make check` is what .ci/run runs before the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: setup test lint format check typecheck serve bench screenshots

$(PY):
	python3 -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'

setup: $(PY)

## test: the whole suite (browser tests need Debian's chromium)
test: $(PY)
	$(PY) -m pytest

## lint: ruff's rules and the format check, nothing changed
lint: $(PY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## format: fix what ruff can fix, then format
format: $(PY)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## typecheck: mypy on the analytics core
typecheck: $(PY)
	$(BIN)/mypy

check: lint typecheck

## serve: the app (the synthetic clinic when OUTCOMES_DB is not set)
serve: $(PY)
	$(BIN)/ozone-outcomes serve

## bench: the benchmarks (not tests): 6k, 10k, 100k and 1M clinics, written into docs/performance.md
bench: $(PY)
	$(PY) bench/all.py

## screenshots: walk every role in Chromium and publish the README's page list and screenshots
screenshots: $(PY)
	OZONE_PUBLISH_SCREENSHOTS=1 $(PY) -m pytest tests/test_browser_roles.py -q
