"""Posts, the feed and their visibility rules.

Reads are prepared statements (one per filter shape, built once) that join the author,
so a page of posts is one statement plus, in page mode, one count.

``q`` searches title and body: on PostgreSQL as full text (``posts.search``, a generated
``tsvector`` with a GIN index, queried with ``websearch_to_tsquery``; page mode ranks by
``ts_rank``, then newest), elsewhere as a case-insensitive substring (``LIKE``):
docs/architecture.md#search."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.engine import Row

from microblog.data.db import db, read_connection
from microblog.data.models import Post, User, follows, post_stats
from microblog.data.models.post import SEARCH_CONFIG
from microblog.data.pages import KeysetPage, KeysetRequest, Page, PageRequest, fetch_page
from microblog.data.principal import Principal
from microblog.data.timeutil import utcnow
from microblog.errors import NotFound, ValidationFailed
from microblog.services.common import get_authorized, reject_nulls, valid_id
from microblog.services.permissions import CanSee, IsAuthor, IsAuthorOrAdmin, authorize
from microblog.services.users import like_pattern, user_exists

POST_COLUMNS = [
    Post.id,
    Post.title,
    Post.body,
    Post.published,
    Post.created_at,
    Post.updated_at,
    Post.user_id,
    User.username.label("author_username"),
]

POST_BY_ID = (
    select(*POST_COLUMNS).join(User, User.id == Post.user_id).where(Post.id == bindparam("id"))
)

SORT_COLUMNS: dict[str, Any] = {
    "created_at": Post.created_at,
    "updated_at": Post.updated_at,
    "title": Post.title,
}


def _can_see_drafts_of(viewer: Principal | None, author_id: int) -> bool:
    return CanSee().has_object_permission(viewer, _Draft(author_id))


class _Draft:
    """What CanSee needs to know about an unpublished post by ``user_id``."""

    published = False

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id


# -- statement shapes -------------------------------------------------------------------

#: ``q`` as a PostgreSQL text search query. ``websearch_to_tsquery`` accepts any text
#: (unbalanced quotes, ``&|!:*()``... are words or ignored, never a syntax error).
TSQUERY = func.websearch_to_tsquery(
    literal_column(f"'{SEARCH_CONFIG}'::regconfig"), bindparam("q", type_=String())
)
# Typed: inside a tuple comparison a bind parameter does not take the column's type, and
# an untyped datetime would reach sqlite3's default adapter (deprecated since Python 3.12).
KEYSET_AFTER = tuple_(
    bindparam("after_ts", type_=DateTime()), bindparam("after_id", type_=Integer())
)


#: Page mode's search results: the newest this many matches (docs/architecture.md#search).
SEARCH_WINDOW = 1000


def full_text() -> bool:
    """Whether ``q`` is a full-text query here (PostgreSQL) rather than a substring."""
    return bool(db.engine.dialect.name == "postgresql")


def _order(sort: str | None, ranked: bool = False) -> list[Any]:
    if ranked and sort is None:
        # Best match first; equally good matches newest first.
        return [func.ts_rank(Post.search, TSQUERY).desc(), Post.created_at.desc(), Post.id.desc()]
    if not sort or sort.lstrip("-") == "created_at":
        column = Post.created_at
    else:
        column = SORT_COLUMNS[sort.lstrip("-")]
    if sort is not None and not sort.startswith("-"):
        return [column.asc(), Post.id.asc()]
    return [column.desc(), Post.id.desc()]


def _filters(
    author: bool, search: bool, since: bool, drafts: bool, feed: bool, fts: bool = False
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not drafts:
        conditions.append(Post.published == true())
    if author:
        conditions.append(Post.user_id == bindparam("author"))
    if search and fts:
        conditions.append(Post.search.bool_op("@@")(TSQUERY))
    elif search:
        pattern = bindparam("pattern", type_=String())
        conditions.append(
            or_(Post.title.ilike(pattern, escape="\\"), Post.body.ilike(pattern, escape="\\"))
        )
    if since:
        conditions.append(Post.created_at >= bindparam("since"))
    if feed:
        followed = select(follows.c.followed_id).where(follows.c.follower_id == bindparam("me"))
        conditions.append(or_(Post.user_id == bindparam("me"), Post.user_id.in_(followed)))
    return conditions


@cache
def _page_statements(
    sort: str | None, author: bool, search: bool, since: bool, drafts: bool, fts: bool = False
) -> tuple[Select[Any], Select[Any]]:
    """Page mode's items and count; ``fts``: ``search`` is PostgreSQL full text (bind
    parameter ``q``), else a ``LIKE`` pattern (``pattern``).

    A search's results are its ``SEARCH_WINDOW`` newest matches, ranked (or sorted) and
    counted among themselves: ranking or counting every match of a common word reads
    hundreds of thousands of rows at 1 M posts (1.5 s); the window reads at most its
    own size, from the GIN index (a rare word) or the newest-first index (a common one)."""
    where = and_(true(), *_filters(author, search, since, drafts, feed=False, fts=fts))
    if search:
        window = (
            select(Post.id)
            .where(where)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(SEARCH_WINDOW)
        )
        where = Post.id.in_(window)
    items = (
        select(*POST_COLUMNS)
        .join(User, User.id == Post.user_id)
        .where(where)
        .order_by(*_order(sort, ranked=search and fts))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    if search:
        count = select(func.count()).select_from(window.subquery())
    elif author or since or drafts:
        count = select(func.count()).select_from(Post).where(where)
    else:
        # All published posts: the trigger-kept total, not a scan (models/stats.py).
        count = select(func.coalesce(func.sum(post_stats.c.published), 0))
    return items, count


@cache
def _keyset_statement(
    author: bool,
    search: bool,
    since: bool,
    drafts: bool,
    feed: bool,
    after: bool,
    fts: bool = False,
) -> Select[Any]:
    """Keyset pages are newest first, searching or not (their cursor is a position in
    time): ``fts`` as in :func:`_page_statements`."""
    conditions = _filters(author, search, since, drafts, feed, fts)
    if after:
        conditions.append(tuple_(Post.created_at, Post.id) < KEYSET_AFTER)
    if search:
        # The same page, asked for as the first rows of a SEARCH_WINDOW-long one: with
        # the larger LIMIT the planner reads a rare word's matches from the GIN index
        # instead of walking every post newest first in the hope of finding 101.
        window = (
            select(Post.id)
            .where(and_(true(), *conditions))
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(SEARCH_WINDOW)
        )
        conditions = [Post.id.in_(window)]
    return (
        select(*POST_COLUMNS)
        .join(User, User.id == Post.user_id)
        .where(and_(true(), *conditions))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(bindparam("limit"))
    )


def _params(
    author: int | None, q: str | None, since: datetime | None, me: int | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if author is not None:
        params["author"] = author
    if q:
        if full_text():
            params["q"] = q
        else:
            params["pattern"] = like_pattern(q)
    if since is not None:
        params["since"] = since
    if me is not None:
        params["me"] = me
    return params


def _run_page(
    page: PageRequest, sort: str | None, params: dict[str, Any], drafts: bool
) -> Page[Row[Any]]:
    fts = "q" in params
    items_stmt, count_stmt = _page_statements(
        sort, "author" in params, fts or "pattern" in params, "since" in params, drafts, fts
    )
    return fetch_page(items_stmt, count_stmt, params, page)


#: Up to this many authors, the feed reads each author's newest posts from the
#: (user_id, created_at, id) index and merges them: its cost then depends on how many
#: users one follows, not on how many posts exist. Beyond it, one filtered scan.
FEED_FANOUT_MAX = 64
#: Enough of the viewer's followed ids to choose between the two: a viewer following
#: thousands does not ship them all to Python only to count them.
FOLLOWED_IDS = (
    select(follows.c.followed_id)
    .where(follows.c.follower_id == bindparam("me"))
    .limit(FEED_FANOUT_MAX)
)


@cache
def _feed_merge_statement(slots: int, after: bool) -> Select[Any]:
    """The newest published posts of ``slots`` authors (``u0``…).

    Each arm reads one author's newest page from the covering index
    (user_id, published, created_at, id) — index entries only, no post bodies; the merged
    ids are cut to one page, and only then are those rows read. The subquery's own
    LIMIT keeps SQLite from pushing the row reads down into every arm."""
    arms = []
    for slot in range(slots):
        conditions = [Post.user_id == bindparam(f"u{slot}"), Post.published == true()]
        if after:
            conditions.append(tuple_(Post.created_at, Post.id) < KEYSET_AFTER)
        arm = (
            select(Post.id, Post.created_at)
            .where(*conditions)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(bindparam("limit"))
        )
        arms.append(arm.subquery().select())
    merged = union_all(*arms).subquery("merged")
    page = (
        select(merged.c.id)
        .order_by(merged.c.created_at.desc(), merged.c.id.desc())
        .limit(bindparam("limit"))
        .subquery("page")
    )
    return (
        select(*POST_COLUMNS)
        .join(page, page.c.id == Post.id)
        .join(User, User.id == Post.user_id)
        .order_by(Post.created_at.desc(), Post.id.desc())
    )


def _run_keyset(
    keyset: KeysetRequest, params: dict[str, Any], drafts: bool, feed: bool = False
) -> KeysetPage[Row[Any]]:
    values = {**params, "limit": keyset.limit + 1}
    if keyset.after is not None:
        values["after_ts"], values["after_id"] = keyset.after
    stmt = None
    if feed:
        authors = [params["me"], *read_connection().execute(FOLLOWED_IDS, params).scalars()]
        if len(authors) <= FEED_FANOUT_MAX:
            # Pad to a power of two so a handful of statement shapes serve everyone.
            slots = max(4, 1 << (len(authors) - 1).bit_length())
            padded = authors + [0] * (slots - len(authors))  # no user has id 0
            values.update({f"u{slot}": author for slot, author in enumerate(padded)})
            stmt = _feed_merge_statement(slots, keyset.after is not None)
    if stmt is None:
        stmt = _keyset_statement(
            "author" in params,
            "q" in params or "pattern" in params,
            "since" in params,
            drafts,
            feed,
            keyset.after is not None,
            "q" in params,
        )
    rows = read_connection().execute(stmt, values).all()
    more = len(rows) > keyset.limit
    rows = rows[: keyset.limit]
    next_key = (rows[-1].created_at, rows[-1].id) if more else None
    return KeysetPage(rows, keyset, next_key)


# -- reads ------------------------------------------------------------------------------


def list_posts(
    pager: PageRequest | KeysetRequest,
    *,
    author: int | None,
    q: str | None,
    since: datetime | None,
    sort: str | None,
) -> Page[Row[Any]] | KeysetPage[Row[Any]]:
    """Published posts only, whoever asks (drafts are reached through their author)."""
    params = _params(author, q, since)
    if isinstance(pager, KeysetRequest):
        if sort not in (None, "-created_at"):
            raise ValidationFailed(errors={"sort": ["Keyset pages are ordered by -created_at."]})
        return _run_keyset(pager, params, drafts=False)
    return _run_page(pager, sort, params, drafts=False)


def user_posts(
    user_id: int, pager: PageRequest | KeysetRequest, viewer: Principal | None
) -> Page[Row[Any]] | KeysetPage[Row[Any]]:
    """A user's published posts, plus drafts when the author (or an admin) asks."""
    if not user_exists(user_id):
        raise NotFound("User not found.")
    params = _params(user_id, None, None)
    drafts = _can_see_drafts_of(viewer, user_id)
    if isinstance(pager, KeysetRequest):
        return _run_keyset(pager, params, drafts=drafts)
    return _run_page(pager, None, params, drafts=drafts)


def feed(viewer: Principal, keyset: KeysetRequest) -> KeysetPage[Row[Any]]:
    """The viewer's own and followed users' published posts, newest first."""
    return _run_keyset(keyset, _params(None, None, None, me=viewer.id), drafts=False, feed=True)


def get_post(post_id: int, viewer: Principal | None) -> Row[Any]:
    """A post's ``POST_COLUMNS``, if ``viewer`` may see it."""
    row = None
    if valid_id(post_id):
        row = read_connection().execute(POST_BY_ID, {"id": post_id}).one_or_none()
    # A draft someone else may not see does not exist, as far as they can tell.
    authorize(viewer, CanSee(), row, noun="post")
    assert row is not None
    return row


# -- writes -----------------------------------------------------------------------------


def create_post(actor: Principal, *, body: str, title: str | None, published: bool) -> Post:
    now = utcnow()
    post = Post(
        body=body,
        title=title,
        published=published,
        user_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(post)
    db.session.flush()  # the caller commits: idempotency.idempotent
    return post


def _load_visible(actor: Principal, post_id: int) -> Post:
    return get_authorized(Post, post_id, actor, CanSee(), "post")


def update_post(actor: Principal, post_id: int, changes: dict[str, Any]) -> Post:
    post = _load_visible(actor, post_id)
    authorize(actor, IsAuthor(), post, noun="post")
    reject_nulls(changes, ("body", "published"))
    for name in ("body", "title", "published"):
        if name in changes:
            setattr(post, name, changes[name])
    post.updated_at = utcnow()
    db.session.commit()
    return post


def delete_post(actor: Principal, post_id: int) -> None:
    post = _load_visible(actor, post_id)
    authorize(actor, IsAuthorOrAdmin(), post, noun="post")
    db.session.delete(post)
    db.session.commit()
