# Two commands: `make run` sets everything up and serves the dashboard; `make test` sets up the
# same and runs the whole test suite. Both work on a fresh machine with only Python 3.11+.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FIXTURES := fixtures/india_russia.json
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): one per core by default; `make test WORKERS=0` runs in one.
WORKERS ?= auto

# Local development runs with debug on unless the caller says otherwise.
export DJANGO_DEBUG ?= 1

.PHONY: run test setup db browser-test lint format clean

run: db
	@echo ""
	@echo "Dashboard: http://$(HOST):$(PORT)/   Admin: http://$(HOST):$(PORT)/admin/"
	@echo "To create an admin login, run: $(BIN)/python manage.py createsuperuser"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: db
	$(BIN)/pytest -n $(WORKERS) --dist worksteal

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,browser]"
	touch $@

db: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_fixtures $(FIXTURES)

browser-test: setup
	bash .ci/install-chromium
	$(BIN)/pytest -m browser tests/browser

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
