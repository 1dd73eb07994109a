"""Bounded inputs (docs/reference.md#input-bounds; OWASP API4): no generated request is a 500.

Every integer and every date-time a client can send is probed at and past the edges of its
type: the values come from the served OpenAPI document (its ``minimum``/``maximum`` and
``format: date-time``), and test_api9_inventory.py checks the document against the app's
URL map, so that no route escapes. An out-of-range query parameter or body field is a 400
whose ``errors`` name it; an out-of-range path id does not match the route (404). Both in
the error shape of docs/reference.md#errors, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microblog import create_app
from microblog.web.http import IdConverter
from microblog.web.pagination import _cursor_serializer, encode_cursor
from microblog.web.schemas.common import ID_MAX, INT64_MAX, INT64_MIN
from tests.api.test_admin import make_admin
from tests.api.test_bad_input import assert_error
from tests.conftest import Api, basic
from tests.security.configured import sqlite_only
from tests.security.test_api9_inventory import UNDOCUMENTED

DOC_URL = "/api/v1/openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")

#: Past the signed 64-bit range both ways, far past it, and not a number at all.
INTEGER_PROBES: list[int | str] = [2**63, -(2**63) - 1, 10**30, "abc"]
#: Valid ISO 8601 whose UTC instant is outside years 1..9999, years 0 and 10000, garbage.
DATE_TIME_PROBES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "garbage",
    "2024-13-45T25:61:61Z",
]


def _load_document() -> dict[str, Any]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    document: dict[str, Any] = app.test_client().get(DOC_URL).get_json()
    return document


DOCUMENT = _load_document()


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself: ``$ref`` followed, the non-null branch of ``X | None``."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = DOCUMENT["components"]["schemas"][name]
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    return resolve(branches[0]) if len(branches) == 1 else schema


def kind(schema: dict[str, Any]) -> str | None:
    """``integer``, ``date-time`` or ``None`` (not bounded by this module)."""
    if schema.get("type") == "integer":
        return "integer"
    if schema.get("type") == "string" and schema.get("format") == "date-time":
        return "date-time"
    return None


@dataclass(frozen=True)
class Input:
    location: str  # path, query or body
    name: str
    schema: dict[str, Any]

    def probes(self) -> list[Any]:
        if kind(self.schema) == "date-time":
            return list(DATE_TIME_PROBES)
        edges = [self.schema["minimum"] - 1, self.schema["maximum"] + 1]
        values = [int(v) for v in edges] + INTEGER_PROBES
        return list(dict.fromkeys(values))


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    security: frozenset[str]
    inputs: tuple[Input, ...] = field(default=())

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _operations() -> list[Operation]:
    found = []
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            inputs = [
                Input(p["in"], p["name"], resolve(p["schema"])) for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                props = resolve(body["schema"]).get("properties", {})
                inputs += [Input("body", name, resolve(s)) for name, s in props.items()]
            security = frozenset(name for req in op.get("security", []) for name in req)
            found.append(Operation(method, path, security, tuple(inputs)))
    return found


OPERATIONS = _operations()
BOUNDED = [op for op in OPERATIONS if any(kind(i.schema) for i in op.inputs)]


@sqlite_only
def test_every_path_parameter_of_an_operation_goes_through_the_id_converter(app: Flask) -> None:
    """Path parameters of the API are ids, bounded by IdConverter's regex (the routes the
    document leaves out, test_api9_inventory.UNDOCUMENTED, have asset paths)."""
    for rule in app.url_map.iter_rules():
        if rule.rule in UNDOCUMENTED:
            continue
        for converter in re.findall(r"<(?:(\w+):)?\w+>", rule.rule):
            assert converter == "id", f"{rule.rule}: path integers go through IdConverter"


def test_every_integer_input_is_documented_with_int64_bounds() -> None:
    integers = [(op, i) for op in OPERATIONS for i in op.inputs if kind(i.schema) == "integer"]
    assert integers
    for op, item in integers:
        assert "minimum" in item.schema and "maximum" in item.schema, f"{op} {item.name}"
        assert INT64_MIN <= item.schema["minimum"] <= item.schema["maximum"] <= INT64_MAX
        if item.location == "path":
            assert (item.schema["minimum"], item.schema["maximum"]) == (1, ID_MAX), f"{op}"


def test_id_converter_matches_exactly_the_documented_id_range() -> None:
    regex = re.compile(IdConverter.regex)
    for value in (1, 9, 10, ID_MAX - 1, ID_MAX):
        assert regex.fullmatch(str(value)), value
    for text in ("0", "-1", "01", str(ID_MAX + 1), str(2**32), str(2**63), "1e3", "abc"):
        assert not regex.fullmatch(text), text


def test_every_time_a_client_sends_is_documented_as_date_time() -> None:
    times = [(op, i) for op in OPERATIONS for i in op.inputs if kind(i.schema) == "date-time"]
    assert [(str(op), i.name) for op, i in times] == [("GET /api/v1/posts", "since")]


@pytest.fixture
def admin(api: Api) -> tuple[dict[str, Any], dict[str, str]]:
    """An admin with Bearer headers: every operation's guard lets it through."""
    return make_admin(api)


def _send(
    client: FlaskClient,
    op: Operation,
    admin: tuple[dict[str, Any], dict[str, str]],
    probe: Input,
    value: Any,
) -> Any:
    user, bearer_headers = admin
    headers: dict[str, str] = {}
    if "bearerAuth" in op.security:
        headers = bearer_headers
    elif "basicAuth" in op.security:
        headers = basic(user["username"], user["password"])
    path_values = {i.name: user["id"] for i in op.inputs if i.location == "path"}
    query: dict[str, Any] = {}
    body: dict[str, Any] | None = {} if any(i.location == "body" for i in op.inputs) else None
    if probe.location == "path":
        path_values[probe.name] = value
    elif probe.location == "query":
        query[probe.name] = value
    else:
        body = {probe.name: value}
    url = re.sub(r"{(\w+)}", lambda m: str(path_values[m.group(1)]), op.path)
    return client.open(
        url, method=op.method.upper(), query_string=query, json=body, headers=headers
    )


@pytest.mark.parametrize("op", BOUNDED, ids=str)
def test_out_of_range_integers_and_times_are_refused_never_500(
    client: FlaskClient,
    admin: tuple[dict[str, Any], dict[str, str]],
    subtests: pytest.Subtests,
    op: Operation,
) -> None:
    for probe in (i for i in op.inputs if kind(i.schema)):
        for value in probe.probes():
            with subtests.test(param=f"{probe.location}:{probe.name}", value=str(value)[:40]):
                response = _send(client, op, admin, probe, value)
                if probe.location == "path":
                    assert_error(response, 404)
                else:
                    assert_error(response, 400, {probe.name})


# -- the attacks that were 500s, by name ------------------------------------------------


def test_author_past_int64_is_400_not_500(client: FlaskClient) -> None:
    response = client.get("/api/v1/posts?author=9223372036854775808")
    assert_error(response, 400, {"author"})


def test_author_past_the_id_range_is_400(client: FlaskClient) -> None:
    response = client.get(f"/api/v1/posts?author={ID_MAX + 1}")
    assert_error(response, 400, {"author"})


def test_since_before_year_1_in_utc_is_400_not_500(client: FlaskClient) -> None:
    response = client.get("/api/v1/posts?since=0001-01-01T00:00:00%2B14:00")
    assert_error(response, 400, {"since"})


def test_since_after_year_9999_in_utc_is_400_not_500(client: FlaskClient) -> None:
    response = client.get("/api/v1/posts?since=9999-12-31T23:59:59-14:00")
    assert_error(response, 400, {"since"})


def test_per_page_and_limit_past_int64_are_400_not_clamped(client: FlaskClient) -> None:
    for query in ({"per_page": 2**63}, {"limit": 2**63}):
        assert_error(client.get("/api/v1/posts", query_string=query), 400, set(query))
    for query in ({"per_page": INT64_MAX}, {"limit": INT64_MAX}):
        assert client.get("/api/v1/posts", query_string=query).status_code == 200


def test_since_at_the_edges_of_utc_is_accepted_and_converted(
    client: FlaskClient, api: Api
) -> None:
    _, headers = api.login("alice")
    assert client.post("/api/v1/posts", json={"body": "hello"}, headers=headers).status_code == 201
    created = client.get("/api/v1/posts").get_json()["items"][0]["created_at"]
    at = datetime.fromisoformat(created)
    for since, found in [
        ("0001-01-01T00:00:00", 1),  # naive: UTC
        ("0001-01-01T00:00:00-14:00", 1),
        ("9999-12-31T23:59:59", 0),
        ("9999-12-31T23:59:59+14:00", 0),
        # The same instant as created_at, written in another offset: UTC is compared.
        ((at + timedelta(hours=5)).replace(tzinfo=None).isoformat() + "+05:00", 1),
        ((at + timedelta(hours=5, seconds=1)).replace(tzinfo=None).isoformat() + "+05:00", 0),
    ]:
        response = client.get("/api/v1/posts", query_string={"since": since})
        assert response.status_code == 200, (since, response.get_json())
        assert response.get_json()["_meta"]["total_items"] == found, since


# -- keyset cursors: signed, and read through the same bounds ---------------------------


@pytest.mark.parametrize(
    "payload",
    [
        ["2024-01-01T00:00:00", 2**63],
        ["2024-01-01T00:00:00", ID_MAX + 1],
        ["2024-01-01T00:00:00", 0],
        ["2024-01-01T00:00:00", True],
        ["2024-01-01T00:00:00", "5"],
        ["0001-01-01T00:00:00+14:00", 1],
        ["9999-12-31T23:59:59-14:00", 1],
        ["not a time", 1],
        [None, 1],
        ["2024-01-01T00:00:00"],
        {"when": "2024-01-01T00:00:00", "id": 1},
        "a string",
    ],
    ids=repr,
)
def test_a_validly_signed_cursor_with_hostile_content_is_400(
    client: FlaskClient, payload: Any
) -> None:
    """Even with the signing key (a leaked one, or a future bug), a cursor's content is
    held to the same bounds as the query parameters."""
    cursor = str(_cursor_serializer().dumps(payload))
    for url in ("/api/v1/posts", "/api/v1/users/1/posts"):
        assert_error(client.get(url, query_string={"cursor": cursor}), 400, {"cursor"})


def test_a_forged_or_mangled_cursor_is_400(client: FlaskClient) -> None:
    good = encode_cursor(datetime(2024, 1, 1), 1)
    for cursor in ("abc", good[:-2], good + "x", "." * 512, "\u00e9" * 100, good.replace(".", "")):
        response = client.get("/api/v1/posts", query_string={"cursor": cursor})
        assert_error(response, 400, {"cursor"})
