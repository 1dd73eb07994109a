# Two commands matter on a fresh clone: `make run` and `make test` (see README).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV_LINK_MODE := copy

.PHONY: install run test lint check-migrations bench faults faults-long

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

run: install
	MICROBLOG_ENV=development $(UV) run flask --app microblog db upgrade
	MICROBLOG_ENV=development $(UV) run flask --app microblog run --host 127.0.0.1 --port 5000

test: install
	bash scripts/install-services.sh || echo "PostgreSQL/Redis not installed: their test legs will be skipped"
	$(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

check-migrations: install
	$(UV) run python scripts/check_migrations.py

bench: install
	bash bench/run.sh

# The fault suite alone (issue #15; tests/faults): `make test` runs it too, short profile.
faults: install
	FAULTS_PROFILE=short $(UV) run pytest tests/faults -q

faults-long: install
	FAULTS_PROFILE=long $(UV) run pytest tests/faults -q
