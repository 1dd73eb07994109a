"""Run the migrations against an empty PostgreSQL (and SQLite): upgrade, downgrade, upgrade, then
check that the migrated schema matches the models (nothing left to autogenerate)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import pg


def flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "MICROBLOG_ENV": "development"}
    print("$ flask --app microblog", " ".join(args), flush=True)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "microblog", *args], check=True, env=env
    )


def round_trip(url: str) -> None:
    flask(url, "db", "upgrade")
    flask(url, "db", "downgrade", "base")
    flask(url, "db", "upgrade")
    flask(url, "db", "check")


def main() -> None:
    with pg.postgres_server() as server:
        round_trip(pg.create_database(server, "migrations_check"))
    with tempfile.TemporaryDirectory() as tmp:
        round_trip(f"sqlite:///{tmp}/check.db")
    print("migrations: upgrade, downgrade, upgrade and check passed on PostgreSQL and SQLite")


if __name__ == "__main__":
    main()
