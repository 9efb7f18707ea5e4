# Relay: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

UV_VERSION := 0.13.8
# Python 3.13 or 3.12: on PATH if it runs, else the newest under pyenv.
PYTHON_BIN := $(shell for v in 3.13 3.12; do p=$$(command -v python$$v 2>/dev/null) && $$p -V >/dev/null 2>&1 && { echo $$p; exit; }; done; \
	r=$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv); ls -d $$r/versions/3.1[23]*/bin/python3 2>/dev/null | sort -V | tail -1)
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
PY := .venv/bin/python
MANAGE := $(PY) manage.py
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/relay
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
CHROMIUM := /usr/bin/chromium

.PHONY: help install run test lint format bench clean

help:
	@echo "make run    build the environment, migrate, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test   run the whole suite on PostgreSQL and Redis (and Chromium)"
	@echo "make lint   ruff, mypy, import-linter, makemigrations --check"
	@echo "make bench  benchmarks (not tests)"

.tools/bin/uv:
	@test -n "$(PYTHON_BIN)" || { echo "Relay needs Python 3.12 or newer (python3.13/python3.12 or pyenv)"; exit 1; }
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: uv.lock pyproject.toml | $(UV)
	@test -n "$(PYTHON_BIN)" || { echo "Relay needs Python 3.12 or newer (python3.13/python3.12 or pyenv)"; exit 1; }
	$(UV) sync --frozen --python $(PYTHON_BIN)
	@touch $@

install: .venv/.installed

# The server, a Celery worker and beat (config/devserver.py); the sign-ins come last, once
# all three answer.
run: install
	@mkdir -p var
	@$(MANAGE) migrate --noinput -v0
	@$(MANAGE) seed_demo --no-sign-ins
	@$(PY) -m config.devserver

# The browser tests drive Debian's Chromium; as root it is installed when missing.
$(CHROMIUM):
	@if [ "$$(id -u)" != 0 ]; then echo "The browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi
	@echo "Installing Chromium for the browser tests"
	export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq chromium >/dev/null

# The inbox tests run a real IMAP server, Debian's dovecot; as root it is installed when missing.
DOVECOT := /usr/sbin/dovecot
$(DOVECOT):
	@if [ "$$(id -u)" != 0 ]; then echo "The inbox tests need dovecot: sudo apt-get install dovecot-imapd"; exit 1; fi
	@echo "Installing dovecot for the inbox tests"
	export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq dovecot-imapd >/dev/null

test: install $(CHROMIUM) $(DOVECOT)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		.venv/bin/pytest $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run

format: install
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/relay_bench} $(PY) -m bench

clean:
	rm -rf .venv .tools var
