# The few commands people type. `make run` and `make test` set everything up on a fresh machine.
VENV ?= .venv
# Windows (Git Bash or any make): the launcher is `python` and a venv keeps its programs in Scripts/.
ifeq ($(OS),Windows_NT)
PYTHON ?= python
BIN := $(VENV)/Scripts
else
PYTHON ?= python3
BIN := $(VENV)/bin
endif
ARGS ?=
PYTEST_ARGS ?=

.PHONY: run test lint format docs bench clean

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s)" % sys.version.split()[0] if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.runtime: requirements.txt constraints.txt | $(VENV)/.created
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

## run: start the server (demo live unless config.yaml names a TikTok account); options: make run ARGS="--port 9000"
run: $(VENV)/.runtime
	$(BIN)/python server.py $(ARGS)

## test: lint, type-check, then the whole test suite (unit, integration, browser), one worker per core
## (a test file stays on one worker: its server and browser are shared); one file: make test PYTEST_ARGS=tests/test_hub.py
test: lint
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## docs: regenerate the configuration table in README.md from the schema
docs: $(VENV)/.runtime
	$(BIN)/python -m overlay.config --readme README.md

## bench: measure the server under load (see bench/README.md)
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
