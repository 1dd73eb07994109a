# Two commands matter on a fresh clone: `make run` and `make test` (see README).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV_LINK_MODE := copy

.PHONY: install run test lint check-migrations mutants bench bench-pg bench-sqlite

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
