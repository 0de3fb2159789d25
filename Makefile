# One entry point for people and CI. `make run` and `make test` are the README's two commands.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?= -n auto

.PHONY: setup run worker web demo test lint typecheck check migrations-check imports clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sync_roles
	$(BIN)/python manage.py sync_schedules
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python manage.py serve

web: setup
	$(BIN)/python manage.py serve --no-worker

worker: setup
	$(BIN)/python manage.py qcluster

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

imports: setup
	$(BIN)/lint-imports

migrations-check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run

typecheck: setup
	@echo "mypy is not set up yet (see docs/adr/0001)"

check: lint imports migrations-check
	$(BIN)/python manage.py check
	$(MAKE) test

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
