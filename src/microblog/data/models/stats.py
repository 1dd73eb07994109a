"""The number of published posts, kept by database triggers.

Page-mode ``GET /posts`` must report ``total_items``; an exact ``count(*)`` over every
published post costs ~3 ms at 100,000 rows even on a covering index, and grows with the
table. Triggers on ``posts`` keep the count instead, in 8 rows chosen by ``id & 7`` so that
concurrent writers rarely wait on the same row; a read sums 8 rows. Being triggers, they
also count writes that bypass the ORM (bulk inserts, psql, cascades)."""

from __future__ import annotations

from sqlalchemy import DDL, Column, Integer, Table, event, insert

from microblog.data.db import db
from microblog.data.models.post import Post

SHARDS = 8

post_stats = Table(
    "post_stats",
    db.metadata,
    Column("shard", Integer, primary_key=True, autoincrement=False),
    Column("published", Integer, nullable=False, default=0),
)

SQLITE_TRIGGERS = [
    """CREATE TRIGGER posts_count_insert AFTER INSERT ON posts WHEN NEW.published
BEGIN UPDATE post_stats SET published = published + 1 WHERE shard = NEW.id & 7; END""",
    """CREATE TRIGGER posts_count_delete AFTER DELETE ON posts WHEN OLD.published
BEGIN UPDATE post_stats SET published = published - 1 WHERE shard = OLD.id & 7; END""",
    """CREATE TRIGGER posts_count_update AFTER UPDATE OF published ON posts
WHEN OLD.published IS NOT NEW.published
BEGIN UPDATE post_stats SET published = published + (CASE WHEN NEW.published THEN 1 ELSE -1 END)
WHERE shard = NEW.id & 7; END""",
]

POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION posts_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.published THEN
    UPDATE post_stats SET published = published + 1 WHERE shard = NEW.id & 7;
  ELSIF TG_OP = 'DELETE' AND OLD.published THEN
    UPDATE post_stats SET published = published - 1 WHERE shard = OLD.id & 7;
  ELSIF TG_OP = 'UPDATE' AND OLD.published IS DISTINCT FROM NEW.published THEN
    UPDATE post_stats SET published = published + (CASE WHEN NEW.published THEN 1 ELSE -1 END)
    WHERE shard = NEW.id & 7;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER posts_count AFTER INSERT OR DELETE OR UPDATE OF published ON posts
FOR EACH ROW EXECUTE FUNCTION posts_count()""",
]

SEED_ROWS = [{"shard": shard, "published": 0} for shard in range(SHARDS)]


# The same objects for db.create_all() (tests) as the migration creates.
@event.listens_for(post_stats, "after_create")
def _seed(target: Table, connection: object, **kw: object) -> None:
    connection.execute(insert(post_stats), SEED_ROWS)  # type: ignore[attr-defined]


for _dialect, _statements in (("sqlite", SQLITE_TRIGGERS), ("postgresql", POSTGRESQL_TRIGGERS)):
    for _sql in _statements:
        _ddl = DDL(_sql)  # type: ignore[no-untyped-call]
        event.listen(Post.__table__, "after_create", _ddl.execute_if(dialect=_dialect))
