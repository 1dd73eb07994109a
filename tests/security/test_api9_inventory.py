"""OWASP API9:2023 Improper Inventory Management: every surface the service answers on is
known, documented, and guarded like the canonical one (docs/reference.md#surfaces-and-versions).

The surfaces: the canonical ``/api/v1``; its unversioned alias ``/api`` (WSGI middleware, so
in no URL map: probed by URL); the 2013 todo routes at ``/todo/api/v1.0``; the OpenAPI
document with its two viewers; the operations endpoints. Every rule of the app's URL map is an
operation of the served OpenAPI document or on :data:`UNDOCUMENTED` with its reason, and the
document names nothing that is not served. The alias and the todo routes refuse every
credential that ``/api/v1`` refuses.

The inventory tests read the URL map and the document, which no database changes: SQLite
only. The authentication tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests.conftest import BuildApp, basic, bearer
from tests.security.configured import sqlite_only
from tests.security.test_api1_object_level_authorization import (
    ROUTES,
    Account,
    Route,
    bad_credentials,
    build_url,
    deactivate,
    send,
)

DOC_URL = "/api/v1/openapi.json"
REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference.md"
METHODS = ("get", "post", "put", "patch", "delete")

#: Rules of the URL map that are not operations of the OpenAPI document, and why. Exact rules:
#: a new route under one of these prefixes is not excused by it.
UNDOCUMENTED: dict[str, str] = {
    "/api/v1/openapi.json": "the document itself (docs/reference.md names it)",
    "/api/v1/docs": "Swagger UI: an HTML page over the document, not an operation",
    "/api/v1/docs/static/<path:filename>": "Swagger UI's bundled assets, served offline",
    "/api/v1/redoc": "ReDoc, the document's reading view (HTML)",
    "/api/v1/redoc/static/<path:filename>": "ReDoc's bundled assets, served offline",
    "/healthz": "liveness probe for the platform (docs/reference.md#operations)",
    "/readyz": "readiness probe; its detail is for operators only (test_api5)",
    "/metrics": "Prometheus scraping; operators only (test_api5)",
    "/static/<path:filename>": "Flask's default static route: the package has no static "
    "folder, so it serves nothing (test_flask_static_route_serves_nothing)",
}

#: The 2013 todo routes and the /api/v1 operations on the same tasks that they mirror.
TODO_TWINS: dict[tuple[str, str], tuple[str, str]] = {
    ("todo.list_tasks", "GET"): ("tasks.list_tasks", "GET"),
    ("todo.get_task", "GET"): ("tasks.get_task", "GET"),
    ("todo.create_task", "POST"): ("tasks.create_task", "POST"),
    ("todo.update_task", "PUT"): ("tasks.update_task", "PUT"),
    ("todo.delete_task", "DELETE"): ("tasks.delete_task", "DELETE"),
}


def operation_path(rule: Rule) -> str:
    """``/api/v1/posts/<id:post_id>`` as the document writes it: ``/api/v1/posts/{post_id}``."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)


def inventory_gaps(app: Flask) -> tuple[set[str], set[str]]:
    """(operations of the URL map that are neither in the served document nor excused by
    :data:`UNDOCUMENTED`, operations of the document that no rule serves)."""
    document: dict[str, Any] = app.test_client().get(DOC_URL).get_json()
    documented = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    served, undocumented = set(), set()
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = (operation_path(rule), method)
            served.add(operation)
            if operation not in documented and rule.rule not in UNDOCUMENTED:
                undocumented.add(f"{method} {rule.rule}")
    unserved = {f"{method} {path}" for path, method in documented - served}
    return undocumented, unserved


# --- the inventory --------------------------------------------------------------------------


@sqlite_only
def test_every_route_of_the_url_map_is_a_documented_operation(app: Flask) -> None:
    """And the document describes nothing that is not served."""
    undocumented, unserved = inventory_gaps(app)
    assert undocumented == set(), f"not in {DOC_URL} nor in UNDOCUMENTED"
    assert unserved == set(), f"in {DOC_URL} but served by no rule"


def test_a_route_added_without_documentation_is_found(build_app: BuildApp) -> None:
    """The check above on an app given one route of the kind it must catch: a debug view
    registered beside the API, with a prefix of an excused rule."""
    app = build_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.add_url_rule("/api/v1/docs/dump", "dump", lambda: "every user's email")
    assert inventory_gaps(app) == ({"GET /api/v1/docs/dump"}, set())


@sqlite_only
def test_every_undocumented_route_is_real_and_described(app: Flask) -> None:
    """No stale excuse: each is a rule of the URL map, outside the document, and each page or
    endpoint (not its assets) is named in docs/reference.md."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert set(UNDOCUMENTED) <= rules, set(UNDOCUMENTED) - rules
    document = app.test_client().get(DOC_URL).get_json()
    reference = REFERENCE.read_text()
    for rule in UNDOCUMENTED:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
        assert path not in document["paths"], f"{rule} is documented: drop its excuse"
        if "<" not in rule and rule != "/static/<path:filename>":
            assert f"`{rule}`" in reference, f"{rule} is not in docs/reference.md"


@sqlite_only
def test_flask_static_route_serves_nothing(app: Flask) -> None:
    assert app.static_folder is not None
    assert not Path(app.static_folder).exists(), "a static folder: document what it serves"
    assert app.test_client().get("/static/app.py").status_code == 404


# --- the unversioned alias ------------------------------------------------------------------


def alias_of(url: str) -> str:
    assert url.startswith("/api/v1/"), url
    return "/api/" + url.removeprefix("/api/v1/")


def test_unversioned_alias_enforces_the_same_authentication(
    client: FlaskClient, subtests: Any
) -> None:
    """Every protected /api/v1 route of the URL map, at its /api alias: the same answer (401
    and its challenge) to no credentials and to bad ones, and the same account to good ones."""
    owner, other = Account(client, "owner"), Account(client, "other")
    inactive = Account(client, "inactive")
    cases = {
        "no credentials": {},
        "bearer: garbage": bearer("not-a-credential"),
        "basic: wrong password": basic(owner.username, "wrong password"),
        "deactivated: token": inactive.credential("token"),
        "deactivated: api key": inactive.credential("api_key"),
        "deactivated: basic": inactive.credential("basic"),
    }
    deactivate(inactive)
    aliased = [route for route in ROUTES if route.rule.startswith("/api/v1/")]
    assert len(aliased) >= 30
    for route in aliased:
        url = build_url(route, owner, other)
        for name, headers in cases.items():
            with subtests.test(f"{route}: {name}"):
                canonical = send(client, route, url, headers)
                alias = send(client, route, alias_of(url), headers)
                if not route.optional or headers:
                    assert canonical.status_code == 401, canonical.get_json()
                assert alias.status_code == canonical.status_code, alias.get_json()
                challenge = alias.headers.get("WWW-Authenticate")
                assert challenge == canonical.headers.get("WWW-Authenticate")
    token = owner.credential("token")
    for path in ("/api/me", "/api/v1/me"):
        response = client.get(path, headers=token)
        assert response.status_code == 200 and response.get_json()["id"] == owner.id, path


# --- the 2013 todo surface ------------------------------------------------------------------


def test_every_todo_route_has_its_api_v1_twin() -> None:
    todo = {(r.endpoint, r.method) for r in ROUTES if r.rule.startswith("/todo/")}
    assert todo == set(TODO_TWINS)
    assert all(not r.optional for r in ROUTES if (r.endpoint, r.method) in todo)


def test_todo_routes_refuse_every_credential_their_api_v1_twins_refuse(
    app: Flask, client: FlaskClient, subtests: Any
) -> None:
    """API1's whole set of bad credentials (wrong, unknown, revoked, expired, tampered,
    deactivated, ...) against each todo route and its /api/v1 twin: 401 from both."""
    owner, other = Account(client, "owner"), Account(client, "other")
    inactive = Account(client, "inactive")
    cases = {"no credentials": {}, **bad_credentials(app, owner, other, inactive)}
    routes = {(r.endpoint, r.method): r for r in ROUTES}
    pairs: list[tuple[Route, Route]] = [
        (routes[legacy], routes[twin]) for legacy, twin in TODO_TWINS.items()
    ]
    for legacy, twin in pairs:
        legacy_url, twin_url = build_url(legacy, owner, other), build_url(twin, owner, other)
        for name, headers in cases.items():
            with subtests.test(f"{legacy} / {twin}: {name}"):
                assert send(client, twin, twin_url, headers).status_code == 401
                refused = send(client, legacy, legacy_url, headers)
                assert refused.status_code == 401, refused.get_json()
    # The URLs were real: the owner's own token gets through both (deleting aside: the two
    # delete routes share the owner's one task).
    headers = owner.credential("token")
    for legacy, twin in pairs:
        if legacy.method == "DELETE":
            continue
        for route in (legacy, twin):
            response = send(client, route, build_url(route, owner, other), headers)
            assert response.status_code in (200, 201, 204), (str(route), response.get_json())
