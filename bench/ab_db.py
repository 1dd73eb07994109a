"""Database chores of bench/compare_builds.sh, in plain SQL (no import of either build).

    python bench/ab_db.py create URL    # PostgreSQL: create URL's database (SQLite: nothing)
    python bench/ab_db.py schema URL    # the schema, one sorted line per object
    python bench/ab_db.py viewer URL    # ANALYZE; "VIEWER_ID USERNAME FEED_SIZE AUTHOR_ID"

``schema`` prints what the migrations made (tables, columns, constraints, indexes, triggers,
functions, sequences, the alembic revision) and no rows, so that the schemas two builds'
migrations produce can be compared with ``diff``. ``viewer`` names the user whose feed is
longest (as bench/run_posts.sh picks it) and the account it follows with the most posts.
"""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, make_url, text

SQLITE_SCHEMA = [  # not ANALYZE's statistics tables
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' "
    "ORDER BY type, name"
]
TABLE_CONSTRAINTS = ("CONSTRAINT ", "PRIMARY KEY", "UNIQUE", "FOREIGN KEY", "CHECK")
POSTGRESQL_SCHEMA = [
    "SELECT extname FROM pg_extension ORDER BY 1",
    "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, "
    "column_default FROM information_schema.columns WHERE table_schema = 'public' "
    "ORDER BY table_name, ordinal_position",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
    "ORDER BY 1, 2",
    "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger "
    "WHERE NOT tgisinternal ORDER BY 1, 2",
    "SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
    "WHERE pronamespace = 'public'::regnamespace AND prokind IN ('f', 'p') ORDER BY 1",
    "SELECT sequencename, data_type, start_value, increment_by FROM pg_sequences "
    "WHERE schemaname = 'public' ORDER BY 1",
    "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
]
FEED_SIZE = (
    "SELECT count(*) FROM posts p WHERE p.published AND (p.user_id = u.id OR p.user_id IN "
    "(SELECT followed_id FROM follows WHERE follower_id = u.id))"
)
VIEWER = f"SELECT u.id, u.username, ({FEED_SIZE}) AS n FROM users u ORDER BY n DESC, u.id LIMIT 1"
AUTHOR = (
    "SELECT f.followed_id FROM follows f JOIN posts p ON p.user_id = f.followed_id "
    "WHERE f.follower_id = :viewer AND p.published GROUP BY f.followed_id "
    "ORDER BY count(*) DESC, f.followed_id LIMIT 1"
)


def _canonical(value: object) -> str:
    """A column of a schema row; in SQLite's CREATE TABLE text, table constraints sorted:
    batch migrations rebuild tables with them in set order, which varies from run to run."""
    if not isinstance(value, str) or not value.startswith("CREATE TABLE"):
        return "" if value is None else str(value)
    lines = [line.rstrip().rstrip(",").rstrip() for line in value.splitlines()]
    constraints = [line for line in lines if line.lstrip().startswith(TABLE_CONSTRAINTS)]
    kept = [line for line in lines[:-1] if line not in constraints]
    return "\n".join([*kept, *sorted(constraints), lines[-1]])


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("create", "schema", "viewer"):
        print(__doc__, file=sys.stderr)
        return 2
    command, url = argv
    sqlite = make_url(url).get_backend_name() == "sqlite"
    if command == "create":
        if not sqlite:
            server = create_engine(make_url(url).set(database="postgres"))
            with server.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'CREATE DATABASE "{make_url(url).database}"'))
        return 0
    with create_engine(url).begin() as conn:
        if command == "schema":
            queries = SQLITE_SCHEMA if sqlite else POSTGRESQL_SCHEMA
            for query in [*queries, "SELECT version_num FROM alembic_version"]:
                for row in conn.execute(text(query)):
                    print(" | ".join(_canonical(value) for value in row))
            return 0
        conn.execute(text("ANALYZE"))  # fresh statistics for both builds' plans
        viewer, username, size = conn.execute(text(VIEWER)).one()
        author = conn.execute(text(AUTHOR), {"viewer": viewer}).scalar_one()
        print(viewer, username, size, author)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
