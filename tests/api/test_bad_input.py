"""Hostile and malformed input on every input path: body fields, query parameters, path
ids and headers. Whatever arrives, the answer is never a 500, the status is the one
docs/reference.md#errors names, the body has the error shape, and nothing is half-written."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.test import TestResponse

from microblog.data.db import db
from microblog.data.models import User
from tests.conftest import Api, basic, bearer

# Value lists run as subtests of one test each: a failure names the value, and the app
# (twice: SQLite and PostgreSQL) is built once per list rather than once per value.

USERS = "/api/v1/users"
MIB = 1024 * 1024
ERROR_KEYS = {"error", "message", "request_id"}
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "request_id"}
#: Things that must never reach a response body.
LEAKS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", "$argon2")
GENERATED_ID = re.compile(r"[0-9a-f]{32}")

VALID_USER = {
    "username": "newbie",
    "email": "newbie@example.com",
    "password": "correct horse battery",
}

#: Values that look like attacks; a text field must store them verbatim or refuse them.
INJECTIONS = [
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}${7*7}",
    "%00%27%22",
    "\u202etxt.exe",
]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def assert_error(
    response: TestResponse, status: int, fields: set[str] | None = None
) -> dict[str, Any]:
    """The response is the error body with ``status``; ``fields`` are the keys
    of ``errors`` (``None``: no ``errors`` at all)."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.content_type == "application/json"
    for leak in LEAKS:
        assert leak not in text
    body: dict[str, Any] = response.get_json()
    assert body["error"] == HTTP_STATUS_CODES[status]
    assert isinstance(body["message"], str) and body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    if fields is None:
        assert set(body) == ERROR_KEYS
    else:
        assert set(body) == ERROR_KEYS | {"errors"}
        assert set(body["errors"]) == fields
        for messages in body["errors"].values():
            assert isinstance(messages, list) and messages
            assert all(isinstance(m, str) and m for m in messages)
    return body


def assert_unauthorized(response: TestResponse, scheme: str) -> None:
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith(scheme)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every committed row of every table, read on a connection of its own."""
    with db.engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.c))]
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def unchanged(app: Any) -> Iterator[None]:
    """Asserts at the end of the test that no row was added, changed or removed."""
    before = snapshot()
    yield
    db.session.rollback()
    assert snapshot() == before


@pytest.fixture
def alice(api: Api) -> tuple[dict[str, Any], dict[str, str]]:
    return api.login("alice")


@pytest.fixture
def admin(api: Api) -> dict[str, str]:
    user = api.register("root")
    db.session.execute(User.__table__.update().where(User.id == user["id"]).values(role="admin"))
    db.session.commit()
    return bearer(api.token(user))


# --------------------------------------------------------------------------------------
# Request bodies: framing (Content-Type, JSON syntax, shape, size)
# --------------------------------------------------------------------------------------

BodySender = Callable[..., list[TestResponse]]


@pytest.fixture
def send_body(client: FlaskClient, alice: tuple[dict[str, Any], Any]) -> BodySender:
    """Sends a raw body to each body-taking route (as the owner for the updates)."""
    user, headers = alice
    routes = [
        ("POST", USERS, {}),
        *((m, f"{USERS}/{user['id']}", headers) for m in ("PUT", "PATCH")),
    ]

    def send(
        data: bytes | str, content_type: str | None = "application/json"
    ) -> list[TestResponse]:
        extra = {"Content-Type": content_type} if content_type is not None else {}
        return [
            client.open(path, method=method, data=data, headers={**auth, **extra})
            for method, path, auth in routes
        ]

    return send


MALFORMED_JSON = [
    b"{",
    b'{"username": "bob"',
    b"{'username': 'bob'}",
    b'{"username": "bob",}',
    b"{username: bob}",
    b'{"about_me": NaN}',
    b'{"about_me": Infinity}',
    b'{"about_me": 1e400}',
    b'{"about_me": "\\x41"}',
    b'{"about_me": "unterminated}',
    b"   ",
    b"\xef\xbb\xbf{}",
    b'{"about_me": "\xff\xfe"}',
    b'{"about_me": "\\ud800"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    b"<xml/>",
    b"username=bob&password=x",
]


def test_malformed_json_is_400(
    send_body: BodySender, unchanged: None, subtests: pytest.Subtests
) -> None:
    for data in MALFORMED_JSON:
        with subtests.test(data=data[:40]):
            for response in send_body(data):
                assert "JSON" in assert_error(response, 400)["message"]


def test_json_that_is_not_an_object_is_400(
    send_body: BodySender, unchanged: None, subtests: pytest.Subtests
) -> None:
    for data in (b"[]", b'[{"username": "bob"}]', b'"a string"', b"42", b"3.14", b"null", b"true"):
        with subtests.test(data=data):
            for response in send_body(data):
                assert "object" in assert_error(response, 400)["message"]


def test_non_json_content_type_is_415(
    send_body: BodySender, unchanged: None, subtests: pytest.Subtests
) -> None:
    body = b'{"about_me": "x", "username": "bob", "email": "b@example.com", "password": "x"}'
    for content_type in NON_JSON_TYPES:
        with subtests.test(content_type=content_type):
            for response in send_body(body, content_type):
                assert_error(response, 415)


NON_JSON_TYPES = [
    None,
    "",
    "text/plain",
    "text/json",
    "text/html; charset=utf-8",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/octet-stream",
    "application/jsonx",
    "json",
    "garbage/;;;",
]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_content_type_variants_are_accepted(send_body: BodySender, content_type: str) -> None:
    body = b'{"about_me": "hello", "username": "newbie"}'
    created, put, patch = send_body(body, content_type)
    # POST needs an email and a password too (400 with errors), the updates succeed: never 415.
    assert_error(created, 400, {"email", "password"})
    assert put.status_code == patch.status_code == 200


def test_body_over_max_content_length_is_413(send_body: BodySender, unchanged: None) -> None:
    data = b'{"about_me": "' + b"x" * MIB + b'"}'
    for response in send_body(data):
        assert str(MIB) in assert_error(response, 413)["message"]


def test_body_just_under_the_limit_is_a_field_error_not_413(
    send_body: BodySender, unchanged: None
) -> None:
    data = b'{"about_me": "' + b"x" * (MIB - 100) + b'"}'
    created, put, patch = send_body(data)
    assert_error(created, 400, {"about_me", "username", "email", "password"})
    assert_error(put, 400, {"about_me"})
    assert_error(patch, 400, {"about_me"})


def post_chunked(client: FlaskClient, data: bytes) -> TestResponse:
    # A server that de-chunks (gunicorn) marks the stream terminated: no Content-Length.
    return client.post(
        USERS,
        input_stream=io.BytesIO(data),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.parametrize(
    "data",
    [
        b'{"about_me": "' + b"x" * (2 * MIB) + b'"}',
        # Cut at the limit this would be a valid body: it must not be accepted.
        json.dumps(VALID_USER).encode() + b" " * (2 * MIB),
        json.dumps(VALID_USER).encode().ljust(MIB + 1),
    ],
    ids=["invalid-prefix", "valid-prefix", "one-byte-over"],
)
def test_chunked_body_over_the_limit_is_413(
    client: FlaskClient, unchanged: None, data: bytes
) -> None:
    assert_error(post_chunked(client, data), 413)


def test_chunked_body_within_the_limit_is_read(client: FlaskClient) -> None:
    assert post_chunked(client, json.dumps(VALID_USER).encode().ljust(MIB)).status_code == 201
    assert_error(post_chunked(client, b"[]"), 400)


def test_anonymous_update_with_bad_body_is_401_first(
    client: FlaskClient, alice: tuple[dict[str, Any], Any], unchanged: None
) -> None:
    """Authentication runs before the body is looked at (auth → permission → validation)."""
    url = f"{USERS}/{alice[0]['id']}"
    for response in (
        client.patch(url, data=b"[]", content_type="application/json"),
        client.put(url, data=b"{", content_type="application/json"),
        client.patch(url, data=b"{}", content_type="text/plain"),
        client.delete(url, data=b"x", content_type="text/plain"),
        client.patch(url, data=b"x" * (2 * MIB), content_type="application/json"),
    ):
        assert_unauthorized(response, "Bearer")


def test_delete_with_a_non_json_body_is_415(
    client: FlaskClient, alice: tuple[dict[str, Any], dict[str, str]], unchanged: None
) -> None:
    user, headers = alice
    response = client.delete(
        f"{USERS}/{user['id']}", data=b"please", content_type="text/plain", headers=headers
    )
    assert_error(response, 415)


def test_missing_body_on_create_is_400(client: FlaskClient, unchanged: None) -> None:
    for response in (
        client.post(USERS),
        client.post(USERS, content_type="application/json"),
        client.post(USERS, data=b"", content_type="text/plain"),
    ):
        assert_error(response, 400)


def test_duplicate_json_keys_last_one_wins_and_is_validated(
    client: FlaskClient, unchanged: None
) -> None:
    data = b'{"username": "newbie", "username": 5, "email": "n@example.com", "password": "p"}'
    response = client.post(USERS, data=data, content_type="application/json")
    assert_error(response, 400, {"username", "password"})


# --------------------------------------------------------------------------------------
# Request bodies: fields (POST /users)
# --------------------------------------------------------------------------------------

BAD_FIELD_VALUES: dict[str, list[Any]] = {
    "username": [
        "",
        "ab",
        "a" * 65,
        "bob smith",
        " bob",
        "bob\u0000",
        "\u0000\u0000\u0000",
        "bób",
        "bob😀",
        "ｂｏｂ",
        "bob\n",
        *INJECTIONS,
        123,
        12.5,
        True,
        None,
        [],
        ["bob"],
        {"name": "bob"},
    ],
    "email": [
        "",
        "not-an-email",
        "a@",
        "@example.com",
        "a@@example.com",
        "a b@example.com",
        "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "com",
        "a@" + "b" * 250 + ".com",
        "bob\u0000@example.com",
        "<script>@example.com",
        "a@example.com; DROP TABLE users",
        "../../etc/passwd",
        42,
        None,
        False,
        ["a@example.com"],
        {"address": "a@example.com"},
    ],
    "password": ["", "short", "1234567", "x" * 257, 12345678, None, True, ["long enough"], {}],
    "about_me": ["x" * 2001, "😀" * 2001, "a\u0000b", 1, None, False, [], ["x"], {"a": 1}],
}


@pytest.mark.parametrize("field", list(BAD_FIELD_VALUES))
def test_create_user_bad_field_is_400_with_errors(
    client: FlaskClient, unchanged: None, subtests: pytest.Subtests, field: str
) -> None:
    for value in BAD_FIELD_VALUES[field]:
        with subtests.test(value=value):
            response = client.post(USERS, json={**VALID_USER, field: value})
            assert_error(response, 400, {field})


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_create_user_missing_field_is_400(
    client: FlaskClient, unchanged: None, field: str
) -> None:
    body = {k: v for k, v in VALID_USER.items() if k != field}
    response = client.post(USERS, json=body)
    assert_error(response, 400, {field})
    assert response.get_json()["errors"][field] == ["Missing data for required field."]


def test_create_user_everything_wrong_reports_every_field(
    client: FlaskClient, unchanged: None
) -> None:
    response = client.post(
        USERS,
        json={"username": ["x"], "email": 1, "password": None, "about_me": {}, "role": "admin"},
    )
    assert_error(response, 400, {"username", "email", "password", "about_me", "role"})


def test_create_user_unknown_field_is_400(
    client: FlaskClient, unchanged: None, subtests: pytest.Subtests
) -> None:
    for field in (
        "id", "role", "is_active", "password_hash", "_links", "created_at", "Username", "", "a.b"
    ):  # fmt: skip
        with subtests.test(field=field):
            response = client.post(USERS, json={**VALID_USER, field: "admin"})
            assert_error(response, 400, {field})
            assert response.get_json()["errors"][field] == ["Unknown field."]


def test_create_user_free_text_is_stored_verbatim(
    client: FlaskClient, subtests: pytest.Subtests
) -> None:
    texts = [*INJECTIONS, "", "x" * 2000, "😀" * 2000, "Ünïcödé 日本語 👩‍💻 \u200b\t\n"]
    for i, about_me in enumerate(texts):
        with subtests.test(about_me=about_me):
            body = {"username": f"user{i}", "email": f"u{i}@example.com", "password": "p" * 8}
            response = client.post(USERS, json={**body, "about_me": about_me})
            assert response.status_code == 201, response.get_json()
            assert response.get_json()["about_me"] == about_me
            again = client.get(response.headers["Location"])
            assert again.get_json()["about_me"] == about_me
    assert db.session.query(User).count() == len(texts)


def test_create_user_username_limits_that_pass(
    client: FlaskClient, subtests: pytest.Subtests
) -> None:
    for i, username in enumerate(["abc", "a" * 64, "a.b-c_D9", "...", "---"]):
        with subtests.test(username=username):
            body = {**VALID_USER, "username": username, "email": f"u{i}@example.com"}
            response = client.post(USERS, json=body)
            assert response.status_code == 201, response.get_json()
            assert response.get_json()["username"] == username


def test_any_password_within_limits_round_trips_through_basic_auth(
    client: FlaskClient, subtests: pytest.Subtests
) -> None:
    """Passwords are only ever hashed, so any text is acceptable (even NUL)."""
    passwords = ["12345678", "x" * 256, "😀" * 8, "pass\u0000word", "' OR '1'='1 --"]
    for i, password in enumerate(passwords):
        with subtests.test(password=password):
            body = {"username": f"user{i}", "email": f"u{i}@example.com", "password": password}
            assert client.post(USERS, json=body).status_code == 201
            ok = client.post("/api/v1/tokens", headers=basic(f"user{i}", password))
            assert ok.status_code == 200
            wrong = client.post("/api/v1/tokens", headers=basic(f"user{i}", password + "x"))
            assert_unauthorized(wrong, "Basic")


# --------------------------------------------------------------------------------------
# Request bodies: fields (PUT/PATCH /users/{id})
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", list(BAD_FIELD_VALUES))
def test_update_bad_field_is_400_and_changes_nothing(
    client: FlaskClient,
    alice: tuple[dict[str, Any], dict[str, str]],
    unchanged: None,
    subtests: pytest.Subtests,
    field: str,
) -> None:
    user, headers = alice
    url = f"{USERS}/{user['id']}"
    # A valid change next to the bad one must not be applied either.
    other = {"about_me": "changed"} if field != "about_me" else {"username": "changed"}
    for value in BAD_FIELD_VALUES[field]:
        if field == "about_me" and value is None:
            continue  # ``null`` clears about_me (below); it is refused for the others.
        for method in ("PUT", "PATCH"):
            with subtests.test(method=method, value=value):
                body = {**other, field: value}
                response = client.open(url, method=method, json=body, headers=headers)
                assert_error(response, 400, {field})


def test_update_null_about_me_clears_it(
    client: FlaskClient, alice: tuple[dict[str, Any], dict[str, str]]
) -> None:
    user, headers = alice
    url = f"{USERS}/{user['id']}"
    client.patch(url, json={"about_me": "hello"}, headers=headers)
    response = client.patch(url, json={"about_me": None}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["about_me"] == ""


def test_admin_fields_are_type_checked(
    client: FlaskClient, admin: dict[str, str], unchanged: None, subtests: pytest.Subtests
) -> None:
    root_id = db.session.query(User.id).filter_by(username="root").scalar()
    for body in ADMIN_BODIES:
        with subtests.test(body=body):
            response = client.patch(f"{USERS}/{root_id}", json=body, headers=admin)
            assert_error(response, 400, set(body))


ADMIN_BODIES: list[dict[str, Any]] = [
    {"is_active": "yes"},
    {"is_active": "true"},
    {"is_active": "false"},
    {"is_active": 1},
    {"is_active": 0},
    {"is_active": []},
    {"is_active": None},
    {"role": "superuser"},
    {"role": "ADMIN"},
    {"role": "admin\u0000"},
    {"role": 1},
    {"role": ["admin"]},
    {"role": None},
]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_with_empty_object_changes_nothing(
    client: FlaskClient, alice: tuple[dict[str, Any], dict[str, str]], method: str
) -> None:
    user, headers = alice
    url = f"{USERS}/{user['id']}"
    before = client.get(url).get_json()
    response = client.open(url, method=method, json={}, headers=headers)
    assert response.status_code == 200
    assert client.get(url).get_json() == before


# --------------------------------------------------------------------------------------
# Query parameters (GET /users)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["page", "per_page"])
def test_bad_paging_parameters_are_400(
    client: FlaskClient, subtests: pytest.Subtests, param: str
) -> None:
    for value in BAD_PAGING:
        with subtests.test(value=value):
            response = client.get(USERS, query_string={param: value})
            assert_error(response, 400, {param})


BAD_PAGING = [
    "",
    "0",
    "-1",
    "1.5",
    "1e3",
    "0x10",
    "abc",
    "true",
    "null",
    "[]",
    "１",
    "1; DROP TABLE users",
    "' OR 1=1 --",
    "<script>",
    "../1",
    "\u0000",
    "1\u0000",
    "9" * 5000,
    "-" + "9" * 30,
]


@pytest.mark.parametrize(
    ("query", "page", "per_page"),
    [
        ({"page": str(2**31 - 1)}, 2**31 - 1, 10),
        # Up to the signed 64-bit maximum a size is clamped; past it, a 400
        # (docs/reference.md#input-bounds, tests/security/test_api4_resource_bounds.py).
        ({"per_page": str(2**63 - 1)}, 1, 100),
        ({"per_page": "101"}, 1, 100),
        ({"page": "2", "per_page": "1"}, 2, 1),
    ],
)
def test_huge_paging_values_are_clamped_or_empty(
    client: FlaskClient, api: Api, query: dict[str, str], page: int, per_page: int
) -> None:
    api.register("alice")
    response = client.get(USERS, query_string=query)
    assert response.status_code == 200
    body = json.loads(response.get_data())  # exact integers, however large
    assert (body["_meta"]["page"], body["_meta"]["per_page"]) == (page, per_page)
    assert len(body["items"]) == (1 if page == 1 else 0)


@pytest.mark.parametrize("page", ["9" * 30, str(2**63), str(2**31)])
def test_page_numbers_beyond_32_bits_are_400(client: FlaskClient, page: str) -> None:
    response = client.get(USERS, query_string={"page": page})
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"page"}


def test_search_with_hostile_text_finds_nothing(
    client: FlaskClient, api: Api, subtests: pytest.Subtests
) -> None:
    api.register("alice", about_me="plain text")
    for q in [*INJECTIONS, "%", "_", "\\", "\\%", "😀", "日本語", "x" * 100]:
        with subtests.test(q=q):
            response = client.get(USERS, query_string={"q": q})
            assert response.status_code == 200, response.get_json()
            assert response.get_json()["items"] == []
            assert response.get_json()["_meta"]["total_items"] == 0


def test_bad_search_is_400(client: FlaskClient, api: Api, subtests: pytest.Subtests) -> None:
    api.register("alice")
    # NUL: PostgreSQL refuses it in a parameter; SQLite's LIKE stopped at it and matched all.
    for q in ("x" * 101, "😀" * 101, "\u0000", "ali\u0000ce", "\u0000%"):
        with subtests.test(q=q):
            assert_error(client.get(USERS, query_string={"q": q}), 400, {"q"})


def test_bad_sort_is_400(client: FlaskClient, subtests: pytest.Subtests) -> None:
    for sort in BAD_SORTS:
        with subtests.test(sort=sort):
            assert_error(client.get(USERS, query_string={"sort": sort}), 400, {"sort"})


BAD_SORTS = [
    "",
    "-",
    "--username",
    "+username",
    "USERNAME",
    "username,-id",
    "id",
    "email",
    "password_hash",
    "username desc",
    "username\u0000",
    "<script>",
    "1; DROP TABLE users",
    "../username",
    "x" * 10_000,
]


def test_posts_since_must_be_iso_8601(client: FlaskClient, subtests: pytest.Subtests) -> None:
    # Pydantic alone also reads a number of seconds since 1970 as a time.
    for since in ("0.5", "1700000000", "-1", "1e5", "20240501", "yesterday", "2024-13-01"):
        with subtests.test(since=since):
            response = client.get("/api/v1/posts", query_string={"since": since})
            assert_error(response, 400, {"since"})
    for since in ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.5+05:00", "2024-05-01"):
        assert client.get("/api/v1/posts", query_string={"since": since}).status_code == 200


def test_unknown_and_repeated_query_parameters_are_harmless(client: FlaskClient, api: Api) -> None:
    api.register("alice")
    response = client.get(
        USERS + "?page=1&page=2&unknown=<script>&debug=1&__proto__=x&q=ali&q=bob"
    )
    assert response.status_code == 200
    assert response.get_json()["_meta"]["page"] in (1, 2)


def test_malformed_query_string_encoding_never_500(client: FlaskClient) -> None:
    for query in ("q=%", "q=%zz", "q=%ff%fe", "q=%c3%28", "page=%00", "%=%&&==&q"):
        response = client.get(f"{USERS}?{query}")
        assert response.status_code in (200, 400), query
        if response.status_code == 400:
            assert_error(response, 400, set(response.get_json()["errors"]))


# --------------------------------------------------------------------------------------
# Path ids
# --------------------------------------------------------------------------------------

BAD_IDS = [
    "0",
    "-1",
    "01",
    "abc",
    "1.5",
    "1e3",
    "0x1",
    "+1",
    "%201",
    "1%20",
    "١",
    "１",
    "2147483648",
    "9" * 11,
    "9" * 400,
    "%00",
    "1%00",
    "..%2F..%2Fetc%2Fpasswd",
    "..",
    "1;DROP%20TABLE%20users",
    "1%20OR%201=1",
    "%3Cscript%3E",
    "null",
    "true",
    "[1]",
    "%F0%9F%98%80",
    "%ff",
]


def test_malformed_user_id_is_404(
    client: FlaskClient,
    alice: tuple[dict[str, Any], dict[str, str]],
    unchanged: None,
    subtests: pytest.Subtests,
) -> None:
    """Not a positive 32-bit integer: no route matches, whatever the method or caller."""
    _, headers = alice
    for user_id in BAD_IDS:
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            with subtests.test(method=method, user_id=user_id):
                kwargs: dict[str, Any] = {"json": {"about_me": "x"}} if method[0] == "P" else {}
                for auth in (headers, {}):
                    url = f"{USERS}/{user_id}"
                    response = client.open(url, method=method, headers=auth, **kwargs)
                    assert_error(response, 404)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_well_formed_unknown_user_id(
    client: FlaskClient,
    alice: tuple[dict[str, Any], dict[str, str]],
    unchanged: None,
    method: str,
) -> None:
    _, headers = alice
    kwargs: dict[str, Any] = {"json": {"about_me": "x"}} if method in ("PUT", "PATCH") else {}
    for url in (f"{USERS}/2", f"{USERS}/2147483647"):
        assert_error(client.open(url, method=method, headers=headers, **kwargs), 404)
        anonymous = client.open(url, method=method, **kwargs)
        if method == "GET":
            assert_error(anonymous, 404)
        else:
            assert_unauthorized(anonymous, "Bearer")


# --------------------------------------------------------------------------------------
# Authorization header
# --------------------------------------------------------------------------------------

GARBAGE_BEARER = [
    "",
    "Bearer",
    "Bearer ",
    "Bearer  ",
    "Bearer x",
    "Bearer mbt_",
    "Bearer " + "A" * 100_000,
    "Bearer ' OR '1'='1",
    "Bearer ../../etc/passwd",
    "Bearer <script>alert(1)</script>",
    "Bearer null",
    "Token abc",
    "Digest username=alice",
    "Basic " + b64(b"alice:correct horse battery"),
    "Basic",
    "garbage",
    "\u00e9\u00e8",
    "Bearer \u00c3\u00a9\u00ff",
    "Bearer\tabc",
]


BEARER_ROUTES = [
    ("GET", "/api/v1/me"),
    ("DELETE", "/api/v1/tokens"),
    ("PUT", "/api/v1/users/{id}"),
    ("PATCH", "/api/v1/users/{id}"),
    ("DELETE", "/api/v1/users/{id}"),
    # Optional auth: credentials that are sent must be valid.
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/users/{id}"),
]


def test_garbage_bearer_is_401(
    client: FlaskClient,
    alice: tuple[dict[str, Any], dict[str, str]],
    unchanged: None,
    subtests: pytest.Subtests,
) -> None:
    user, headers = alice
    for value in GARBAGE_BEARER:
        for method, path in BEARER_ROUTES:
            with subtests.test(method=method, path=path, authorization=value[:40]):
                kwargs: dict[str, Any] = {"json": {"about_me": "x"}} if method[0] == "P" else {}
                response = client.open(
                    path.format(id=user["id"]),
                    method=method,
                    # environ, not headers: also bytes a client would send undecoded.
                    environ_overrides={"HTTP_AUTHORIZATION": value},
                    **kwargs,
                )
                assert_unauthorized(response, "Bearer")
    # Alice's real token still works afterwards.
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_valid_token_with_trailing_garbage_is_401(
    client: FlaskClient, alice: tuple[dict[str, Any], dict[str, str]]
) -> None:
    _, headers = alice
    token = headers["Authorization"].removeprefix("Bearer ")
    for value in (f"Bearer {token}x", f"Bearer {token} extra", f"Bearer {token[:-1]}"):
        response = client.get("/api/v1/me", headers={"Authorization": value})
        assert_unauthorized(response, "Bearer")


GARBAGE_BASIC = [
    "",
    "Basic",
    "Basic ",
    "Basic !!!not-base64!!!",
    "Basic " + b64(b"alice:correct horse battery")[:-2],
    "Basic " + b64(b"nocolon"),
    "Basic " + b64(b":"),
    "Basic " + b64(b"alice:"),
    "Basic " + b64(b":correct horse battery"),
    "Basic " + b64(b"alice:wrong password"),
    "Basic " + b64(b"\xff\xfe:\xff\xfe"),
    "Basic " + b64(b"alice\x00:correct horse battery"),
    "Basic " + b64(b"\x00:\x00"),
    "Basic " + b64(b"alice@example.com\x00:correct horse battery"),
    "Basic " + b64(b"' OR '1'='1:' OR '1'='1"),
    "Basic " + b64(b"alice' --:x"),
    "Basic " + b64(b"%:%"),
    "Basic " + b64(b"../../etc/passwd:x"),
    "Basic " + b64(b"<script>:x"),
    "Basic " + b64("ålice😀:pässwörd".encode()),
    "Basic " + b64(b"a" * 100_000 + b":" + b"b" * 100_000),
    "Basic " + "A" * 100_000,
    "Bearer abc",
    "Token abc",
    "garbage",
    "Basic \u00c3\u00a9",
]


def test_garbage_basic_on_tokens_is_401_and_issues_nothing(
    client: FlaskClient,
    alice: tuple[dict[str, Any], dict[str, str]],
    unchanged: None,
    subtests: pytest.Subtests,
) -> None:
    for value in GARBAGE_BASIC:
        with subtests.test(authorization=value[:40]):
            environ = {"HTTP_AUTHORIZATION": value}
            response = client.post("/api/v1/tokens", environ_overrides=environ)
            assert_unauthorized(response, 'Basic realm="')
            assert "token" not in response.get_json()


def test_tokens_needs_credentials(client: FlaskClient, unchanged: None) -> None:
    assert_unauthorized(client.post("/api/v1/tokens"), "Basic")
    assert_unauthorized(client.delete("/api/v1/tokens"), "Bearer")


# --------------------------------------------------------------------------------------
# Accept, X-Request-ID and problem+json
# --------------------------------------------------------------------------------------


def test_odd_accept_headers_still_get_json(client: FlaskClient, subtests: pytest.Subtests) -> None:
    for accept in ODD_ACCEPTS:
        with subtests.test(accept=accept[:40]):
            response = client.get(USERS, headers={"Accept": accept})
            assert response.status_code == 200
            assert response.content_type == "application/json"


ODD_ACCEPTS = [
    "*/*",
    "text/html",
    "application/xml",
    "garbage;;;,,q=abc",
    "application/json;q=0",
    "application/vnd.microblog.v1+json",
    "application/vnd.microblog.v1+json, application/vnd.microblog.v2+json",
    "application/vnd.microblog.vX+json",
    "application/vnd.microblog+json",
    "x" * 10_000,
]


def test_unsupported_version_is_406(
    client: FlaskClient, unchanged: None, subtests: pytest.Subtests
) -> None:
    for accept in (
        "application/vnd.microblog.v9+json",
        "application/vnd.microblog.v0+json",
        "application/vnd.microblog.v2+json, application/vnd.microblog.v3+json",
        "APPLICATION/VND.MICROBLOG.V99999999999999999999+JSON",
    ):
        with subtests.test(accept=accept):
            assert_error(client.get(USERS, headers={"Accept": accept}), 406)
            assert_error(client.post(USERS, json=VALID_USER, headers={"Accept": accept}), 406)


def test_safe_request_id_is_echoed(client: FlaskClient, subtests: pytest.Subtests) -> None:
    for request_id in (
        "abc-123", "A.b_c-9", "a" * 128, "0", "...", "550e8400-e29b-41d4-a716-446655440000"
    ):  # fmt: skip
        with subtests.test(request_id=request_id):
            ok = client.get(USERS, headers={"X-Request-ID": request_id})
            assert ok.headers["X-Request-ID"] == request_id
            error = client.get(USERS + "?page=0", headers={"X-Request-ID": request_id})
            assert error.headers["X-Request-ID"] == request_id
            assert assert_error(error, 400, {"page"})["request_id"] == request_id


def test_unsafe_request_id_is_replaced(client: FlaskClient, subtests: pytest.Subtests) -> None:
    for request_id in UNSAFE_REQUEST_IDS:
        with subtests.test(request_id=request_id[:40]):
            environ = {"HTTP_X_REQUEST_ID": request_id}
            response = client.get(USERS + "?page=0", environ_overrides=environ)
            generated = response.headers["X-Request-ID"]
            assert generated != request_id
            assert GENERATED_ID.fullmatch(generated)
            assert assert_error(response, 400, {"page"})["request_id"] == generated
            assert request_id not in response.get_data(as_text=True) or request_id == ""


UNSAFE_REQUEST_IDS = [
    "",
    "a" * 129,
    "has space",
    "a/b",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "id;rm -rf",
    "id\u0000",
    "\u00c3\u00a9",
    "a,b",
    "%41",
    "x" * 10_000,
]


def test_each_request_gets_its_own_request_id(client: FlaskClient) -> None:
    first = client.get(USERS, headers={"X-Request-ID": "first"})
    second = client.get(USERS, headers={"X-Request-ID": "second"})
    third = client.get(USERS)
    fourth = client.get(USERS)
    assert first.headers["X-Request-ID"] == "first"
    assert second.headers["X-Request-ID"] == "second"
    assert third.headers["X-Request-ID"] != fourth.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(third.headers["X-Request-ID"])


PROBLEM_CASES = [
    ("GET", USERS + "?page=abc", None, {}, 400),
    ("POST", USERS, b"{", {"Content-Type": "application/json"}, 400),
    ("POST", USERS, b"{}", {"Content-Type": "text/plain"}, 415),
    ("GET", "/api/v1/me", None, {"Authorization": "Bearer nope"}, 401),
    ("GET", USERS + "/999", None, {}, 404),
    ("GET", "/api/v1/no-such-thing", None, {}, 404),
    ("DELETE", USERS, None, {}, 405),
    ("POST", USERS, b"{" + b" " * (2 * MIB) + b"}", {"Content-Type": "application/json"}, 413),
]


@pytest.mark.parametrize(("method", "path", "data", "headers", "status"), PROBLEM_CASES)
def test_problem_json_when_preferred(
    client: FlaskClient,
    method: str,
    path: str,
    data: bytes | None,
    headers: dict[str, str],
    status: int,
) -> None:
    for accept in (
        "application/problem+json",
        "application/problem+json, application/json;q=0.5",
        "application/json;q=0.1, application/problem+json",
    ):
        response = client.open(
            path,
            method=method,
            data=data,
            headers={**headers, "Accept": accept, "X-Request-ID": "rid-1"},
        )
        assert response.status_code == status
        assert response.content_type == "application/problem+json"
        body = response.get_json()
        assert PROBLEM_KEYS <= set(body) <= PROBLEM_KEYS | {"errors"}
        assert body["status"] == status
        assert body["title"] == HTTP_STATUS_CODES[status]
        assert body["instance"] == path.split("?")[0]
        assert body["request_id"] == "rid-1" == response.headers["X-Request-ID"]
        assert isinstance(body["type"], str) and isinstance(body["detail"], str)


def test_problem_json_carries_field_errors(client: FlaskClient) -> None:
    response = client.post(
        USERS, json={"username": 1}, headers={"Accept": "application/problem+json"}
    )
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert set(response.get_json()["errors"]) == {"username", "email", "password"}


@pytest.mark.parametrize(
    "accept", ["application/json", "application/json, application/problem+json;q=0.5", "*/*"]
)
def test_plain_json_errors_unless_problem_json_preferred(client: FlaskClient, accept: str) -> None:
    response = client.get(USERS + "/999", headers={"Accept": accept})
    assert_error(response, 404)


def test_problem_json_accept_on_success_still_gets_the_resource(
    client: FlaskClient, api: Api
) -> None:
    alice = api.register("alice")
    response = client.get(f"{USERS}/{alice['id']}", headers={"Accept": "application/problem+json"})
    assert response.status_code == 200
    assert response.get_json()["username"] == "alice"
