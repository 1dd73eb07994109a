# Two commands matter on a fresh clone: `make run` and `make test` (see README).
# `make deps` installs the optional servers (PostgreSQL, Redis, nginx, PgBouncer, Chromium, wrk) with
# apt-get; `make test` never installs a system package and never stops or starts a service.
SHELL := /bin/bash
# uv: the one on PATH (or `python3 -m uv`); on a machine without it, a copy inside the
# repository (.tools/uv, ignored by git) that `make install` puts there with
# `pip install --target`, the version the Dockerfile pins: nothing goes into the system's
# or the user's Python.
UV_VERSION := 0.13.9
LOCAL_UV := $(CURDIR)/.tools/uv/bin/uv
UV := $(shell command -v uv 2>/dev/null || { python3 -m uv --version >/dev/null 2>&1 && echo "python3 -m uv"; } || echo "$(LOCAL_UV)")
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
	@if ! $(UV) --version >/dev/null 2>&1; then \
	  echo "install: uv not found: installing uv $(UV_VERSION) into .tools/uv (inside the repository only)"; \
	  PIP_USER=0 python3 -m pip install --quiet --disable-pip-version-check \
	    --target .tools/uv "uv==$(UV_VERSION)" \
	  || { echo "install: pip could not install uv: install uv (https://docs.astral.sh/uv/) and run make again" >&2; exit 1; }; \
	fi
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
