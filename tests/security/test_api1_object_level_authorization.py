"""OWASP API1 (broken object level authorization), with the route-by-route
authentication matrix that shares its accounts and objects.

* Every method of every protected route (read from the app's url_map and each view's
  ``auth`` attribute, so a new route is covered the day it is added) against no
  credentials, wrong ones, each kind of credential (Basic only where the contract allows
  it), expired, revoked and tampered tokens, and a deactivated user.
* OWASP API1 (broken object level authorization): user B against every object route of
  user A gets the contract's status, and the database is left exactly as it was.
* One authentication path: an unknown user name costs a (dummy) password hash check."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from microblog import create_app
from microblog.data.db import db
from microblog.data.models import Token, User
from microblog.data.passwords import EXTENSION_KEY as PASSWORDS_KEY
from microblog.data.timeutil import utcnow
from microblog.services.jwt_tokens import REQUIRED_CLAIMS
from microblog.services.tokens import hash_token
from microblog.web.spec import spec_of
from tests.api.test_auth_jwt import forge, tamper_payload, unsigned
from tests.conftest import basic, bearer

# --- the routes, from the app itself --------------------------------------------------


@dataclass(frozen=True)
class Route:
    rule: str
    method: str
    endpoint: str
    kind: str  # "bearer", "basic" or "basic_or_bearer"
    optional: bool
    arguments: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


def _all_routes(app: Flask) -> list[tuple[Any, str, Any]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            spec = spec_of(app.view_functions[rule.endpoint])
            auth = (spec.auth, spec.optional) if spec is not None and spec.auth else None
            out.append((rule, method, auth))
    return out


_APP = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})  # only to read its url_map
ROUTES = [
    Route(rule.rule, method, rule.endpoint, spec[0], spec[1], tuple(sorted(rule.arguments)))
    for rule, method, spec in _all_routes(_APP)
    if spec is not None
]
#: Routes that take no credentials at all, on purpose.
PUBLIC = {
    "static",
    "healthz",
    "readyz",
    "metrics",
    "docs.docs",
    "docs.static",
    "docs.redoc",
    "docs.redoc_asset",
    "openapi_document",
    "users.create_user",
    "auth.register",
    "auth.refresh",  # the refresh token in the body is the credential
}

#: Credential kinds a route of each ``kind`` accepts.
ACCEPTS = {
    "bearer": {"token", "jwt", "api_key", "x_api_key"},
    "basic": {"basic"},
    "basic_or_bearer": {"basic", "token", "jwt", "api_key", "x_api_key"},
}
CREDENTIAL_KINDS = ["basic", "token", "jwt", "api_key", "x_api_key"]

#: (endpoint, method) → (JSON body, statuses expected with good credentials). Routes not
#: listed (new ones) are sent no body and must just not answer 401 or 5xx.
REQUESTS: dict[tuple[str, str], tuple[Any, set[int]]] = {
    ("users.list_users", "GET"): (None, {200}),
    ("users.get_user", "GET"): (None, {200}),
    ("users.update_user", "PUT"): ({"about_me": "edited"}, {200}),
    ("users.update_user", "PATCH"): ({"about_me": "edited"}, {200}),
    ("users.delete_user", "DELETE"): (None, {204}),
    ("users.me", "GET"): (None, {200}),
    ("tokens.issue_token", "POST"): (None, {200}),
    ("tokens.revoke_token", "DELETE"): (None, {204, 400}),  # 400: not an opaque token
    ("auth.login", "POST"): (None, {200}),
    ("auth.logout", "POST"): (None, {204}),
    ("api_keys.create_key", "POST"): ({"name": "ci"}, {201}),
    ("api_keys.list_keys", "GET"): (None, {200}),
    ("api_keys.delete_key", "DELETE"): (None, {204}),
    ("admin.list_users", "GET"): (None, {200}),
    ("follows.follow", "POST"): (None, {204}),
    ("follows.unfollow", "DELETE"): (None, {204}),
    ("follows.is_following", "GET"): (None, {404}),  # authenticated, just not following
    ("follows.followers", "GET"): (None, {200}),
    ("follows.following", "GET"): (None, {200}),
    ("follows.followed", "GET"): (None, {200}),
    ("posts.create_post", "POST"): ({"body": "hello"}, {201}),
    ("posts.list_posts", "GET"): (None, {200}),
    ("posts.get_post", "GET"): (None, {200}),
    ("posts.update_post", "PUT"): ({"body": "edited"}, {200}),
    ("posts.update_post", "PATCH"): ({"body": "edited"}, {200}),
    ("posts.delete_post", "DELETE"): (None, {204}),
    ("posts.user_posts", "GET"): (None, {200}),
    ("posts.feed", "GET"): (None, {200}),
    ("tasks.list_tasks", "GET"): (None, {200}),
    ("tasks.create_task", "POST"): ({"title": "milk"}, {201}),
    ("tasks.get_task", "GET"): (None, {200}),
    ("tasks.update_task", "PUT"): ({"done": True}, {200}),
    ("tasks.update_task", "PATCH"): ({"done": True}, {200}),
    ("tasks.delete_task", "DELETE"): (None, {204}),
    ("todo.list_tasks", "GET"): (None, {200}),
    ("todo.get_task", "GET"): (None, {200}),
    ("todo.create_task", "POST"): ({"title": "milk"}, {201}),
    ("todo.update_task", "PUT"): ({"done": True}, {200}),
    ("todo.delete_task", "DELETE"): (None, {200}),
}
ADMIN_ONLY = {"admin.list_users"}


# --- accounts ---------------------------------------------------------------------------


class Account:
    """A registered user, with credentials and objects made on demand through the API."""

    def __init__(self, client: FlaskClient, username: str, *, admin: bool = False) -> None:
        self.client = client
        self.username = username
        self.password = f"pw of {username}!"
        response = client.post(
            "/api/v1/users",
            json={
                "username": username,
                "email": f"{username}@example.com",
                "password": self.password,
            },
        )
        assert response.status_code == 201, response.get_json()
        self.id: int = response.get_json()["id"]
        if admin:
            db.session.execute(update(User).where(User.id == self.id).values(role="admin"))
            db.session.commit()
        self._cache: dict[str, Any] = {}

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    def basic(self) -> dict[str, str]:
        return basic(self.username, self.password)

    def new_token(self) -> str:
        response = self.client.post("/api/v1/tokens", headers=self.basic())
        assert response.status_code == 200, response.get_json()
        return str(response.get_json()["token"])

    def token(self) -> str:
        return str(self._once("token", self.new_token))

    def new_login(self) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/auth/login", json={"username": self.username, "password": self.password}
        )
        assert response.status_code == 200, response.get_json()
        data: dict[str, Any] = response.get_json()
        return data

    def jwt(self) -> str:
        return str(self._once("login", self.new_login)["access_token"])

    def new_api_key(self) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/me/api-keys", json={"name": "key"}, headers=bearer(self.token())
        )
        assert response.status_code == 201, response.get_json()
        data: dict[str, Any] = response.get_json()
        return data

    def api_key(self) -> dict[str, Any]:
        key: dict[str, Any] = self._once("api_key", self.new_api_key)
        return key

    def _create(self, path: str, body: dict[str, Any]) -> int:
        response = self.client.post(path, json=body, headers=bearer(self.token()))
        assert response.status_code == 201, response.get_json()
        return int(response.get_json()["id"])

    def post(self) -> int:
        return int(self._once("post", lambda: self._create("/api/v1/posts", {"body": "mine"})))

    def draft(self) -> int:
        return int(
            self._once(
                "draft",
                lambda: self._create(
                    "/api/v1/posts", {"body": "secret draft", "published": False}
                ),
            )
        )

    def task(self) -> int:
        return int(
            self._once("task", lambda: self._create("/api/v1/tasks", {"title": "private task"}))
        )

    def credential(self, kind: str) -> dict[str, str]:
        if kind == "basic":
            return self.basic()
        if kind == "token":
            return bearer(self.token())
        if kind == "jwt":
            return bearer(self.jwt())
        if kind == "api_key":
            return bearer(self.api_key()["key"])
        if kind == "x_api_key":
            return {"X-API-Key": self.api_key()["key"]}
        raise AssertionError(kind)


def deactivate(account: Account) -> None:
    """Straight in the database: the check at authentication is what is tested, not the
    clean-up that the admin endpoint also does."""
    db.session.execute(update(User).where(User.id == account.id).values(is_active=False))
    db.session.commit()


def build_url(route: Route, owner: Account, other: Account) -> str:
    values: dict[str, int] = {}
    for name in route.arguments:
        if name == "user_id":
            # /me/following/{id}: the other user; elsewhere the owner's own profile
            values[name] = other.id if "/following/" in route.rule else owner.id
        elif name == "post_id":
            values[name] = owner.post()
        elif name == "task_id":
            values[name] = owner.task()
        elif name == "key_id":
            values[name] = owner.api_key()["id"]
        else:  # pragma: no cover - a new kind of path parameter
            pytest.fail(f"{route}: teach build_url about <{name}>")
    adapter = _APP.url_map.bind("localhost")
    return str(adapter.build(route.endpoint, values, method=route.method))


def send(client: FlaskClient, route: Route, url: str, headers: dict[str, str]) -> Any:
    body, _ = REQUESTS.get((route.endpoint, route.method), (None, set()))
    return client.open(url, method=route.method, json=body, headers=headers)


def challenge_schemes(route: Route, headers: dict[str, str]) -> set[str]:
    """The WWW-Authenticate schemes a 401 may carry for these request headers."""
    if route.kind == "bearer":
        return {"Bearer"}
    if route.kind == "basic":
        return {"Basic"}
    scheme, _, value = headers.get("Authorization", "").partition(" ")
    sent = scheme.lower()
    if sent == "bearer" and not value.strip():
        return {"Basic", "Bearer"}  # an empty Bearer is no credential at all
    if sent == "bearer" or ("X-API-Key" in headers and not sent):
        return {"Bearer"}
    return {"Basic"} if sent in ("", "basic") else {"Basic", "Bearer"}


def assert_rejected(response: Any, route: Route, headers: dict[str, str]) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.split(" ", 1)[0] in challenge_schemes(route, headers), challenge
    assert 'realm="microblog"' in challenge
    body = response.get_json()
    assert body["error"] == "Unauthorized" and body["message"] and body["request_id"]


# --- the bad credentials --------------------------------------------------------------


def bad_credentials(
    app: Flask, owner: Account, other: Account, inactive: Account
) -> dict[str, dict[str, str]]:
    """Every credential that must be refused, made for ``owner`` (the object owner)."""
    cases: dict[str, dict[str, str]] = {
        "basic: wrong password": basic(owner.username, "wrong password"),
        "basic: unknown user": basic("nobody", owner.password),
        "basic: unknown email": basic("nobody@example.com", owner.password),
        "basic: empty password": basic(owner.username, ""),
        "basic: not base64": {"Authorization": "Basic !!!"},
        "other scheme": {"Authorization": f"Digest username={owner.username}"},
        "bearer: empty": {"Authorization": "Bearer "},
        "bearer: garbage": bearer("not-a-credential"),
        "bearer: oversized": bearer("mbt_" + "a" * 5000),
        "opaque: unknown": bearer("mbt_" + secrets.token_urlsafe(32)),
        "api key: unknown": bearer(f"mbk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"),
        "x-api-key: unknown": {"X-API-Key": f"mbk_{secrets.token_hex(6)}_x"},
        "x-api-key: garbage": {"X-API-Key": "garbage"},
        "api key: right prefix, wrong secret": bearer(
            f"mbk_{owner.api_key()['prefix']}_{secrets.token_urlsafe(32)}"
        ),
        "api key: truncated": bearer(owner.api_key()["key"][:-1]),
        "x-api-key: right prefix, wrong secret": {
            "X-API-Key": f"mbk_{owner.api_key()['prefix']}_wrong"
        },
        "opaque token as basic password": basic(owner.username, owner.token()),
    }

    # revoked credentials
    revoked = owner.new_token()
    assert owner.client.delete("/api/v1/tokens", headers=bearer(revoked)).status_code == 204
    cases["opaque: revoked"] = bearer(revoked)
    logged_out = owner.new_login()
    response = owner.client.post("/api/v1/auth/logout", headers=bearer(logged_out["access_token"]))
    assert response.status_code == 204
    cases["jwt: logged out"] = bearer(logged_out["access_token"])
    stolen = owner.new_login()
    rotated = owner.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]}
    ).get_json()
    replay = owner.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]}
    )
    assert replay.status_code == 401
    cases["jwt: family revoked by refresh replay"] = bearer(stolen["access_token"])
    cases["jwt: rotated pair of a revoked family"] = bearer(rotated["access_token"])
    deleted = owner.new_api_key()
    response = owner.client.delete(
        f"/api/v1/me/api-keys/{deleted['id']}", headers=bearer(owner.token())
    )
    assert response.status_code == 204
    cases["api key: deleted"] = bearer(deleted["key"])
    cases["x-api-key: deleted"] = {"X-API-Key": deleted["key"]}

    # tampered and forged JWTs, all made from a genuine access token of the owner
    token = owner.jwt()
    now = int(time.time())
    cases.update(
        {
            "jwt: payload changed (sub)": bearer(tamper_payload(token, sub=str(other.id))),
            "jwt: payload changed (exp)": bearer(tamper_payload(token, exp=now + 10**6)),
            "jwt: signature removed": bearer(token.rsplit(".", 1)[0] + "."),
            "jwt: alg none": bearer(unsigned(token)),
            "jwt: alg none with the old signature": bearer(unsigned(token, keep_signature=True)),
            "jwt: wrong key": bearer(forge(app, token, key=secrets.token_urlsafe(32))),
            "jwt: HS384": bearer(forge(app, token, algorithm="HS384")),
            "jwt: HS512": bearer(forge(app, token, algorithm="HS512")),
            "jwt: refresh token as access": bearer(owner.new_login()["refresh_token"]),
            "jwt: wrong iss": bearer(forge(app, token, iss="evil")),
            "jwt: wrong aud": bearer(forge(app, token, aud="other-api")),
            "jwt: aud list without ours": bearer(forge(app, token, aud=["a", "b"])),
            "jwt: expired": bearer(
                forge(app, token, exp=now - 600, iat=now - 1500, nbf=now - 1500)
            ),
            "jwt: not yet valid": bearer(forge(app, token, nbf=now + 3600)),
            "jwt: issued in the future": bearer(forge(app, token, iat=now + 3600)),
            "jwt: typ missing value": bearer(forge(app, token, typ="")),
            "jwt: sub not a number": bearer(forge(app, token, sub="alice")),
            "jwt: unknown user": bearer(forge(app, token, sub="987654")),
            "jwt: garbage segments": bearer("a.b.c"),
        }
    )
    for claim in REQUIRED_CLAIMS:
        cases[f"jwt: missing {claim}"] = bearer(forge(app, token, drop=(claim,)))

    # a deactivated user, every kind of credential made while still active
    for kind in CREDENTIAL_KINDS:
        cases[f"deactivated: {kind}"] = inactive.credential(kind)
    deactivate(inactive)

    # expired opaque token: last, as issuing a token sweeps the expired ones
    expired = owner.new_token()
    db.session.execute(
        update(Token)
        .where(Token.token_hash == hash_token(expired))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    cases["opaque: expired"] = bearer(expired)
    return cases


# --- 1. every protected route, every credential ---------------------------------------


def test_routes_are_found() -> None:
    found = {(r.endpoint, r.method) for r in ROUTES}
    assert ("users.me", "GET") in found
    assert ("tokens.issue_token", "POST") in found
    assert ("todo.update_task", "PUT") in found
    assert ("admin.list_users", "GET") in found
    assert len(ROUTES) >= 35


def test_every_route_without_auth_is_public_on_purpose() -> None:
    """A new route declared without ``auth`` (web/routes.py) fails here."""
    unprotected = {rule.endpoint for rule, _, spec in _all_routes(_APP) if spec is None}
    assert unprotected <= PUBLIC, unprotected - PUBLIC


def test_basic_is_accepted_only_where_the_contract_allows() -> None:
    basic_routes = {str(r) for r in ROUTES if "basic" in ACCEPTS[r.kind]}
    assert basic_routes == {
        "POST /api/v1/tokens",
        "POST /api/v1/auth/login",
        *(str(r) for r in ROUTES if r.rule.startswith("/todo/api/v1.0/")),
    }


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_authentication(
    app: Flask, client: FlaskClient, route: Route, subtests: Any
) -> None:
    owner, other = Account(client, "owner"), Account(client, "other")
    inactive = Account(client, "inactive", admin=route.endpoint in ADMIN_ONLY)
    url = build_url(route, owner, other)
    cases = bad_credentials(app, owner, other, inactive)
    # Valid credentials of a kind this route does not take are bad credentials here.
    for kind in CREDENTIAL_KINDS:
        if kind not in ACCEPTS[route.kind]:
            cases[f"{kind}: not accepted by this route"] = owner.credential(kind)

    with subtests.test("no credentials"):
        response = send(client, route, url, {})
        if route.optional:
            assert response.status_code not in (401, 403), response.get_json()
            assert response.status_code < 500
        else:
            assert_rejected(response, route, {})
            scheme = "Bearer" if route.kind == "bearer" else "Basic"
            assert response.headers["WWW-Authenticate"].startswith(scheme)

    for name, headers in cases.items():
        with subtests.test(name):
            assert_rejected(send(client, route, url, headers), route, headers)

    # Each kind of credential the route takes, from a fresh account (the request may
    # delete the user, the key or the token it authenticates with).
    _, expected = REQUESTS.get((route.endpoint, route.method), (None, set()))
    for kind in sorted(ACCEPTS[route.kind]):
        with subtests.test(f"valid {kind}"):
            account = Account(client, f"ok_{kind}", admin=route.endpoint in ADMIN_ONLY)
            headers = account.credential(kind)
            response = send(client, route, build_url(route, account, other), headers)
            if expected:
                assert response.status_code in expected, response.get_data(as_text=True)
            else:
                assert response.status_code != 401 and response.status_code < 500
            assert "WWW-Authenticate" not in response.headers


def test_authorization_header_wins_over_x_api_key(client: FlaskClient) -> None:
    """Both sent: the Authorization header is the credential, good or bad."""
    alice = Account(client, "alice")
    key = {"X-API-Key": alice.api_key()["key"]}
    assert client.get("/api/v1/me", headers={**key, **bearer("junk")}).status_code == 401
    bob = Account(client, "bob")
    response = client.get("/api/v1/me", headers={**key, **bearer(bob.token())})
    assert response.get_json()["id"] == bob.id


# --- 2. object-level authorization (OWASP API1) --------------------------------------

#: (endpoint, method) → {object variant: status for another user}.
OBJECT_ROUTES: dict[tuple[str, str], dict[str, int]] = {
    ("users.get_user", "GET"): {"user": 200},  # public profile, private fields hidden
    ("users.update_user", "PUT"): {"user": 403},
    ("users.update_user", "PATCH"): {"user": 403},
    ("users.delete_user", "DELETE"): {"user": 403},
    ("posts.get_post", "GET"): {"post": 200, "draft": 404},
    ("posts.update_post", "PUT"): {"post": 403, "draft": 404},
    ("posts.update_post", "PATCH"): {"post": 403, "draft": 404},
    ("posts.delete_post", "DELETE"): {"post": 403, "draft": 404},
    ("tasks.get_task", "GET"): {"task": 404},
    ("tasks.update_task", "PUT"): {"task": 404},
    ("tasks.update_task", "PATCH"): {"task": 404},
    ("tasks.delete_task", "DELETE"): {"task": 404},
    ("api_keys.delete_key", "DELETE"): {"api_key": 404},
    ("todo.get_task", "GET"): {"task": 404},
    ("todo.update_task", "PUT"): {"task": 404},
    ("todo.delete_task", "DELETE"): {"task": 404},
}
#: Routes whose id names a public profile to read or follow, not an object to own.
NOT_OWNED = {
    "follows.follow",
    "follows.unfollow",
    "follows.is_following",
    "follows.followers",
    "follows.following",
    "follows.followed",
    "posts.user_posts",
}
ATTACK_BODIES = {
    "users": {"about_me": "pwned", "email": "pwned@example.com"},
    "posts": {"body": "pwned", "title": "pwned", "published": True},
    "tasks": {"title": "pwned", "done": True},
    "todo": {"title": "pwned", "done": True},
}
IGNORED_COLUMNS = {"last_seen", "last_used_at"}  # written by authentication itself


def test_every_object_route_is_in_the_matrix() -> None:
    """A new route with an id in its path must say what another user gets from it."""
    for rule, method, _ in _all_routes(_APP):
        if (
            not rule.arguments
            or rule.endpoint in NOT_OWNED
            or rule.endpoint in ("static", "docs.static", "docs.redoc_asset")
        ):
            continue
        assert (rule.endpoint, method) in OBJECT_ROUTES, f"{method} {rule.rule}"


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (less the activity stamps), in a stable order."""
    db.session.rollback()
    state = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name not in IGNORED_COLUMNS]
        rows = [tuple(row) for row in db.session.execute(select(*columns))]
        state[table.name] = sorted(rows, key=repr)
    db.session.rollback()
    return state


def object_id(owner: Account, variant: str) -> int:
    return {
        "user": lambda: owner.id,
        "post": owner.post,
        "draft": owner.draft,
        "task": owner.task,
        "api_key": lambda: owner.api_key()["id"],
    }[variant]()


@pytest.mark.parametrize("kind", ["token", "jwt", "api_key", "basic"])
def test_another_users_objects(client: FlaskClient, kind: str, subtests: Any) -> None:
    alice, bob = Account(client, "alice"), Account(client, "bob")
    for variant in ("post", "draft", "task", "api_key"):
        object_id(alice, variant)
    attacker = bob.credential(kind)
    bob.credential("token")  # make Bob's objects' credentials before the snapshot
    before = snapshot()
    adapter = _APP.url_map.bind("localhost")
    routes = {r.endpoint: r for r in ROUTES}
    for (endpoint, method), variants in OBJECT_ROUTES.items():
        route = routes[endpoint]
        if kind not in ACCEPTS[route.kind]:
            continue
        for variant, status in variants.items():
            with subtests.test(f"{method} {route.rule} ({variant})"):
                (argument,) = route.arguments
                url = adapter.build(endpoint, {argument: object_id(alice, variant)}, method=method)
                body = (
                    ATTACK_BODIES.get(endpoint.split(".")[0])
                    if method in ("PUT", "PATCH")
                    else None
                )
                response = client.open(url, method=method, json=body, headers=attacker)
                assert response.status_code == status, response.get_data(as_text=True)
                text = response.get_data(as_text=True)
                assert "alice@example.com" not in text
                if status == 404:
                    assert "private task" not in text and "secret draft" not in text
                if status >= 400:
                    assert response.get_json()["error"]
    assert snapshot() == before
    # The same URLs do work for their owner: the ids above were real.
    owner_headers = alice.credential("token")
    for path in (
        f"/api/v1/tasks/{alice.task()}",
        f"/api/v1/posts/{alice.draft()}",
        f"/todo/api/v1.0/tasks/{alice.task()}",
    ):
        assert client.get(path, headers=owner_headers).status_code == 200, path


def test_collections_do_not_leak_another_users_objects(client: FlaskClient) -> None:
    alice, bob = Account(client, "alice"), Account(client, "bob")
    alice.draft(), alice.task(), alice.api_key()
    headers = bob.credential("jwt")
    for path in (
        "/api/v1/tasks",
        "/api/v1/me/api-keys",
        "/todo/api/v1.0/tasks",
        f"/api/v1/users/{alice.id}/posts",
        "/api/v1/posts",
        "/api/v1/feed",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert "private task" not in text and "secret draft" not in text, path
        assert alice.api_key()["prefix"] not in text, path


@pytest.mark.parametrize("viewer", ["anonymous", "other user", "author", "admin"])
def test_drafts_are_seen_by_their_author_and_admins_only(client: FlaskClient, viewer: str) -> None:
    """Every read that can show a post, page and keyset mode alike."""
    alice = Account(client, "alice")
    alice.post()
    draft = alice.draft()
    headers = {
        "anonymous": {},
        "other user": Account(client, "bob").credential("jwt"),
        "author": alice.credential("jwt"),
        "admin": Account(client, "root", admin=True).credential("jwt"),
    }[viewer]
    sees = viewer in ("author", "admin")
    for path in (f"/api/v1/users/{alice.id}/posts", f"/api/v1/users/{alice.id}/posts?limit=10"):
        ids = [item["id"] for item in client.get(path, headers=headers).get_json()["items"]]
        assert (draft in ids) is sees, path
    assert client.get(f"/api/v1/posts/{draft}", headers=headers).status_code == (
        200 if sees else 404
    )
    for path in ("/api/v1/posts", "/api/v1/posts?limit=10"):
        ids = [item["id"] for item in client.get(path, headers=headers).get_json()["items"]]
        assert draft not in ids, path  # the public listing never shows drafts


# --- 3. one authentication path: unknown users cost a hash check ---------------------


class HasherSpy:
    """Wraps the app's argon2 PasswordHasher and records what ``verify`` was given."""

    def __init__(self, hasher: Any) -> None:
        self.hasher = hasher
        self.verified: list[str] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return bool(self.hasher.verify(password_hash, password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.hasher, name)


PASSWORD_PATHS: dict[str, Callable[[FlaskClient, str, str], Any]] = {
    "POST /tokens (Basic)": lambda c, u, p: c.post("/api/v1/tokens", headers=basic(u, p)),
    "POST /auth/login (JSON)": lambda c, u, p: c.post(
        "/api/v1/auth/login",
        json={"email" if "@" in u else "username": u, "password": p},
    ),
    "POST /auth/login (Basic)": lambda c, u, p: c.post("/api/v1/auth/login", headers=basic(u, p)),
    "todo (Basic)": lambda c, u, p: c.get("/todo/api/v1.0/tasks", headers=basic(u, p)),
}


@pytest.mark.parametrize("path", PASSWORD_PATHS)
def test_unknown_user_costs_a_dummy_hash_check(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    alice = Account(client, "alice")
    real_hash = db.session.scalar(select(User.password_hash).where(User.id == alice.id))
    passwords = app.extensions[PASSWORDS_KEY]
    spy = HasherSpy(passwords.hasher)
    monkeypatch.setattr(passwords, "hasher", spy)
    call = PASSWORD_PATHS[path]

    responses = {}
    for login, password, expected_hash in (
        ("nobody", "wrong password", passwords.dummy_hash),
        ("nobody@example.com", "wrong password", passwords.dummy_hash),
        ("alice", "wrong password", real_hash),
        ("alice@example.com", "wrong password", real_hash),
    ):
        spy.verified.clear()
        response = call(client, login, password)
        assert spy.verified == [expected_hash], (login, spy.verified)
        responses[login] = response

    # ... and the answers are indistinguishable.
    shapes = {
        (r.status_code, r.headers.get("WWW-Authenticate"), r.get_json()["message"])
        for r in responses.values()
    }
    assert len(shapes) == 1, shapes
    assert next(iter(shapes))[0] == 401


def test_a_deactivated_user_also_costs_a_real_hash_check(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = Account(client, "alice")
    deactivate(alice)
    passwords = app.extensions[PASSWORDS_KEY]
    spy = HasherSpy(passwords.hasher)
    monkeypatch.setattr(passwords, "hasher", spy)
    response = client.post("/api/v1/tokens", headers=alice.basic())
    assert response.status_code == 401
    assert len(spy.verified) == 1
