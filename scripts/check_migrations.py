"""Run the migrations against an empty PostgreSQL: upgrade, downgrade, upgrade, then
check that the migrated schema matches the models (nothing left to autogenerate)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import pg


def flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "MICROBLOG_ENV": "development"}
    print("$ flask --app microblog", " ".join(args), flush=True)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "microblog", *args], check=True, env=env
    )


def main() -> None:
    with pg.postgres_server() as server:
        url = pg.create_database(server, "migrations_check")
        flask(url, "db", "upgrade")
        flask(url, "db", "downgrade", "base")
        flask(url, "db", "upgrade")
        flask(url, "db", "check")
    print("migrations: upgrade, downgrade, upgrade and check passed on PostgreSQL")


if __name__ == "__main__":
    main()
