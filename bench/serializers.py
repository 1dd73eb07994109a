"""Per-page cost of the serialisation layers we could have chosen, on the same data.

Run: uv run --group bench python bench/serializers.py
Times one 100-user page (the shape GET /api/v1/users?per_page=100 returns), best of 5.
"""

from __future__ import annotations

import timeit
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
import msgspec
import orjson

from microblog.data.timeutil import isoformat
from microblog.web.representations import user_links
from microblog.web.schemas.users import UserCollection, UserOut

NOW = datetime.now(UTC).replace(tzinfo=None)


def rows(n: int = 100) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "username": f"user{i}",
            "about_me": "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
            "last_seen": NOW,
            "created_at": NOW,
            "post_count": 100,
            "follower_count": 10,
            "following_count": 10,
            "followed_count": 10,
            "_links": user_links(i, f"user{i}@example.com"),
        }
        for i in range(1, n + 1)
    ]


META = {"page": 1, "per_page": 100, "total_pages": 10, "total_items": 1000}
LINKS = {"self": "/u?page=1", "next": "/u?page=2", "prev": None, "first": "/u", "last": "/u"}


class MaLinks(ma.Schema):
    self = ma.fields.String()
    followers = ma.fields.String()
    following = ma.fields.String()
    followed = ma.fields.String()
    posts = ma.fields.String()
    avatar = ma.fields.String()


class MaUser(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    about_me = ma.fields.String()
    last_seen = ma.fields.DateTime()
    created_at = ma.fields.DateTime()
    post_count = ma.fields.Integer()
    follower_count = ma.fields.Integer()
    following_count = ma.fields.Integer()
    followed_count = ma.fields.Integer()
    _links = ma.fields.Nested(MaLinks)


MA_SCHEMA = MaUser(many=True)


class MsLinks(msgspec.Struct):
    self: str
    followers: str
    following: str
    followed: str
    posts: str
    avatar: str


class MsUser(msgspec.Struct, rename={"links": "_links"}):
    id: int
    username: str
    about_me: str
    last_seen: datetime
    created_at: datetime
    post_count: int
    follower_count: int
    following_count: int
    followed_count: int
    links: MsLinks


MS_ENCODER = msgspec.json.Encoder()


def with_page(items: Any) -> dict[str, Any]:
    return {"items": items, "_meta": META, "_links": LINKS}


def run_marshmallow(data: list[dict[str, Any]]) -> bytes:
    return orjson.dumps(with_page(MA_SCHEMA.dump(data)))


def run_pydantic(data: list[dict[str, Any]]) -> bytes:
    model = UserCollection.model_validate(with_page(data))
    return model.model_dump_json(by_alias=True).encode()


def run_msgspec(data: list[dict[str, Any]]) -> bytes:
    items = msgspec.convert(data, list[MsUser], from_attributes=False)
    return MS_ENCODER.encode(with_page(items))


def run_orjson(data: list[dict[str, Any]]) -> bytes:
    out = [
        {**d, "last_seen": isoformat(d["last_seen"]), "created_at": isoformat(d["created_at"])}
        for d in data
    ]
    return orjson.dumps(with_page(out))


def main() -> None:
    data = rows()
    single = data[:1]
    print("| layer | 100-user page (µs) | one user (µs) |")
    print("|---|---:|---:|")
    for name, fn in [
        ("marshmallow 4 dump + orjson", run_marshmallow),
        ("pydantic v2 validate + dump_json (chosen)", run_pydantic),
        ("msgspec convert + encode", run_msgspec),
        ("dicts + orjson (no schema)", run_orjson),
    ]:
        page = min(timeit.repeat(lambda fn=fn: fn(data), number=200, repeat=5)) / 200
        one = min(timeit.repeat(lambda fn=fn: fn(single), number=2000, repeat=5)) / 2000
        print(f"| {name} | {page * 1e6:.0f} | {one * 1e6:.1f} |")
    model = UserOut.model_validate(single[0])
    assert b'"_links"' in model.model_dump_json(by_alias=True).encode()


if __name__ == "__main__":
    main()
