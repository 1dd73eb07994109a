# Two commands matter on a fresh clone: `make run` and `make test` (see README).
# `make deps` installs the optional servers (PostgreSQL, Redis, nginx, PgBouncer, Chromium, wrk) with
# apt-get; `make test` never installs a system package and never stops or starts a service.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV_LINK_MODE := copy

# PY=3.12 (or 3.11, 3.13): every target below on that Python, in a virtualenv of its own
# (.venv-3.12) installed from uv.lock; the interpreter is python3.12 on PATH or pyenv's
# (scripts/find-python.sh), never a download. Without PY: .venv, on the Python uv picks.
PY ?=
ifneq ($(PY),)
export UV_PYTHON := $(shell bash scripts/find-python.sh $(PY))
ifeq ($(UV_PYTHON),)
$(error Python $(PY) not found: install it (e.g. pyenv install $(PY)) or put python$(PY) on PATH)
endif
export UV_PROJECT_ENVIRONMENT := .venv-$(PY)
endif

.PHONY: install deps run test lint openapi client check-migrations mutants bench bench-pg bench-sqlite bench-ab faults faults-long

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

run: install
	MICROBLOG_ENV=development $(UV) run flask --app microblog db upgrade
	MICROBLOG_ENV=development $(UV) run flask --app microblog run --host 127.0.0.1 --port 5000

# Debian packages for the PostgreSQL, Redis, nginx and browser test legs and the benchmark;
# says what it will install first (scripts/install-services.sh).
deps:
	bash scripts/install-services.sh

# Legs whose server is not installed are skipped locally (`make deps` installs them).
test: install
	$(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports

# docs/openapi.json: the served OpenAPI document, committed (tests check they are equal).
openapi: install
	$(UV) run python scripts/openapi.py

# docs/openapi.json from the app, then clients/python from it (README, "A Python client"); the
# same document gives the same files, and tests/unit/test_client_is_current.py checks that.
client: install
	$(UV) run python scripts/openapi.py
	$(UV) run openapi-python-client generate --path docs/openapi.json \
		--config clients/python-client.yaml --meta uv --output-path clients/python --overwrite

check-migrations: install
	$(UV) run python scripts/check_migrations.py

mutants: install
	$(UV) run python scripts/check_mutants.py

# bench/README.md: the shipped gunicorn.conf.py under wrk; results appended to bench/results/.
bench: install
	bash bench/run.sh

bench-pg: install
	BENCH_SCENARIO=pg bash bench/run.sh

bench-sqlite: install
	BENCH_SCENARIO=foundation bash bench/run.sh
	BENCH_SCENARIO=posts bash bench/run.sh

# Two builds in one run, SQLite and PostgreSQL (bench/README.md): BEFORE=<rev> [AFTER=<rev>].
bench-ab: install
	@[ -n "$(BEFORE)" ] || { echo "usage: make bench-ab BEFORE=<rev> [AFTER=<rev>]" >&2; exit 2; }
	UV="$(UV)" bash bench/compare_builds.sh "$(BEFORE)" $(AFTER)

# The fault suite alone (tests/faults): `make test` runs it too, short profile.
faults: install
	FAULTS_PUBLISH=1 FAULTS_PROFILE=short $(UV) run pytest tests/faults -q

faults-long: install
	FAULTS_PUBLISH=1 FAULTS_PROFILE=long $(UV) run pytest tests/faults -q
