"""JWT login, refresh rotation with theft detection (and the optional grace window for a
client's own retries), logout, claim validation, and revocation through token families (the
database is the one record). The helpers at the top are shared with the security and
integration tests."""

from __future__ import annotations

import base64
import json
import time
import warnings
from datetime import timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from jwt.warnings import InsecureKeyLengthWarning
from sqlalchemy import func, select, update

from microblog.data.db import db
from microblog.data.models import RefreshToken, TokenFamily, User
from microblog.data.timeutil import utcnow
from microblog.services.jwt_tokens import REQUIRED_CLAIMS
from tests.conftest import Api, basic, bearer

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"

# --- helpers (also used by tests/security and the integration tests) --------------


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a token, unverified."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def jwt_key(app: Flask) -> str:
    key: str = app.config.get("JWT_SECRET_KEY") or app.config["SECRET_KEY"]
    return key


def forge(
    app: Flask,
    token: str,
    *,
    drop: tuple[str, ...] = (),
    key: str | None = None,
    algorithm: str = "HS256",
    **changes: Any,
) -> str:
    """Re-sign ``token``'s claims with ``changes`` applied and ``drop`` removed (with
    the app's own key unless ``key`` is given)."""
    claims = {**claims_of(token), **changes}
    for name in drop:
        claims.pop(name, None)
    with warnings.catch_warnings():  # HS384/HS512 want longer keys than HS256's
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, key or jwt_key(app), algorithm=algorithm)


def tamper_payload(token: str, **changes: Any) -> str:
    """Change claims but keep the original header and signature."""
    header, _, signature = token.split(".")
    return f"{header}.{b64({**claims_of(token), **changes})}.{signature}"


def unsigned(token: str, *, keep_signature: bool = False) -> str:
    """The same claims with ``alg: none`` (and no signature, or the old one)."""
    header = b64({"alg": "none", "typ": "JWT"})
    _, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature if keep_signature else ''}"


def login(client: FlaskClient, user: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        LOGIN, json={"username": user["username"], "password": user["password"]}
    )
    assert response.status_code == 200, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def refresh(client: FlaskClient, refresh_token: str) -> Any:
    return client.post(REFRESH, json={"refresh_token": refresh_token})


def me_status(client: FlaskClient, access_token: str) -> int:
    return client.get("/api/v1/me", headers=bearer(access_token)).status_code


def assert_401(response: Any, scheme: str = "Bearer") -> None:
    assert response.status_code == 401, response.get_json()
    assert response.headers["WWW-Authenticate"].startswith(f"{scheme} realm=")
    body = response.get_json()
    assert body["error"] == "Unauthorized" and body["message"] and body["request_id"]


# --- login ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "how",
    ["json username", "json email", "json email other case", "basic username", "basic email"],
)
def test_login_returns_access_and_refresh_pair(api: Api, client: FlaskClient, how: str) -> None:
    alice = api.register("alice")
    password = alice["password"]
    if how == "json username":
        response = client.post(LOGIN, json={"username": "alice", "password": password})
    elif how == "json email":
        response = client.post(LOGIN, json={"email": "alice@example.com", "password": password})
    elif how == "json email other case":
        response = client.post(LOGIN, json={"email": "ALICE@example.com", "password": password})
    elif how == "basic username":
        response = client.post(LOGIN, headers=basic("alice", password))
    else:
        response = client.post(LOGIN, headers=basic("alice@example.com", password))
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert set(data) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 15 * 60
    assert response.headers["Cache-Control"] == "no-store"
    me = client.get("/api/v1/me", headers=bearer(data["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["id"] == alice["id"]


def test_token_claims_and_lifetimes(api: Api, client: FlaskClient, app: Flask) -> None:
    alice = api.register("alice")
    before = int(time.time())
    pair = login(client, alice)
    access, refresh_ = claims_of(pair["access_token"]), claims_of(pair["refresh_token"])
    assert jwt.get_unverified_header(pair["access_token"])["alg"] == "HS256"
    assert jwt.get_unverified_header(pair["refresh_token"])["alg"] == "HS256"
    for claims in (access, refresh_):
        assert set(claims) >= set(REQUIRED_CLAIMS)
        assert claims["iss"] == app.config["JWT_ISSUER"] == "microblog"
        assert claims["aud"] == app.config["JWT_AUDIENCE"] == "microblog-api"
        assert claims["sub"] == str(alice["id"])
        assert before - 1 <= claims["iat"] <= int(time.time()) + 1
        assert claims["nbf"] == claims["iat"]
    assert access["typ"] == "access" and refresh_["typ"] == "refresh"
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh_["exp"] - refresh_["iat"] == 30 * 24 * 3600
    assert access["fam"] == refresh_["fam"]
    assert access["jti"] != refresh_["jti"]
    # The refresh token is recorded (unspent) in its family; nothing secret is stored.
    row = db.session.get(RefreshToken, refresh_["jti"])
    assert row is not None and row.used_at is None and row.family_id == refresh_["fam"]
    assert db.session.get(TokenFamily, access["fam"]).user_id == alice["id"]


def test_lifetimes_are_configurable(api: Api, client: FlaskClient, app: Flask) -> None:
    app.config.update(JWT_ACCESS_TTL=60, JWT_REFRESH_TTL=3600)
    pair = login(client, api.register("alice"))
    assert pair["expires_in"] == 60
    access, refresh_ = claims_of(pair["access_token"]), claims_of(pair["refresh_token"])
    assert access["exp"] - access["iat"] == 60
    assert refresh_["exp"] - refresh_["iat"] == 3600


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "wrong password"},
        {"username": "nobody", "password": "wrong password"},
        {"email": "alice@example.com", "password": "wrong password"},
        {"email": "nobody@example.com", "password": "correct horse battery"},
    ],
    ids=["wrong password", "unknown username", "email wrong password", "unknown email"],
)
def test_login_failures_look_alike(api: Api, client: FlaskClient, body: dict[str, str]) -> None:
    api.register("alice")
    response = client.post(LOGIN, json=body)
    assert_401(response, "Basic")
    assert response.get_json()["message"] == "Invalid username, email or password."
    assert db.session.query(TokenFamily).count() == 0


def test_login_with_bad_basic_is_401(api: Api, client: FlaskClient) -> None:
    api.register("alice")
    for headers in (basic("alice", "wrong password"), basic("nobody", "correct horse battery")):
        assert_401(client.post(LOGIN, headers=headers), "Basic")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "password"}),
        ({"username": "alice"}, {"password"}),
        ({"password": "x"}, {"username"}),
        ({"username": "alice", "password": "x", "role": "admin"}, {"role"}),
    ],
)
def test_login_validation(
    api: Api, client: FlaskClient, body: dict[str, str], fields: set[str]
) -> None:
    api.register("alice")
    response = client.post(LOGIN, json=body)
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == fields


def test_register_is_post_users(client: FlaskClient) -> None:
    body = {"username": "alice", "email": "alice@example.com", "password": "correct horse"}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201
    data = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/users/{data['id']}")
    assert data["email"] == "alice@example.com" and data["role"] == "user"
    assert "password" not in response.get_data(as_text=True)
    again = client.post("/api/v1/users", json={**body, "email": "other@example.com"})
    assert again.status_code == 409
    assert (
        client.post(LOGIN, json={"username": "alice", "password": "correct horse"}).status_code
        == 200
    )
    bad = client.post("/api/v1/auth/register", json={**body, "username": "bob", "role": "admin"})
    assert bad.status_code == 400


# --- access vs refresh ------------------------------------------------------------------


def test_refresh_token_is_not_an_access_token(api: Api, client: FlaskClient) -> None:
    pair = login(client, api.register("alice"))
    assert_401(client.get("/api/v1/me", headers=bearer(pair["refresh_token"])))


def test_access_token_is_not_a_refresh_token(api: Api, client: FlaskClient) -> None:
    pair = login(client, api.register("alice"))
    assert_401(refresh(client, pair["access_token"]))
    assert_401(client.post(REFRESH, headers=bearer(pair["access_token"])))
    # and the attempt spent nothing
    assert refresh(client, pair["refresh_token"]).status_code == 200


def test_opaque_token_and_api_key_are_not_refresh_tokens(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    key = client.post("/api/v1/me/api-keys", json={"name": "k"}, headers=headers).get_json()
    for credential in (api.token(alice), key["key"]):
        assert_401(refresh(client, credential))


# --- rotation and theft detection -----------------------------------------------------


def test_refresh_rotates(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    first = login(client, alice)
    response = refresh(client, first["refresh_token"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    second = response.get_json()
    assert set(second) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert claims_of(second["refresh_token"])["fam"] == claims_of(first["refresh_token"])["fam"]
    spent = db.session.get(RefreshToken, claims_of(first["refresh_token"])["jti"])
    assert spent.used_at is not None
    assert me_status(client, second["access_token"]) == 200
    # Rotation alone does not revoke the previous access token: it just expires.
    assert me_status(client, first["access_token"]) == 200
    third = refresh(client, second["refresh_token"])
    assert third.status_code == 200


def test_refresh_token_as_bearer_header(api: Api, client: FlaskClient) -> None:
    pair = login(client, api.register("alice"))
    response = client.post(REFRESH, headers=bearer(pair["refresh_token"]))
    assert response.status_code == 200
    assert me_status(client, response.get_json()["access_token"]) == 200


def test_refresh_without_a_token_is_401(client: FlaskClient) -> None:
    assert_401(client.post(REFRESH))
    assert_401(client.post(REFRESH, json={}))
    assert_401(client.post(REFRESH, headers=basic("alice", "x")))


def age_use(refresh_token: str, seconds: float) -> None:
    """Move a spent refresh token's use ``seconds`` into the past: the clock the grace
    window is measured on is the ``used_at`` column."""
    jti = claims_of(refresh_token)["jti"]
    spent = db.session.get(RefreshToken, jti)
    assert spent is not None and spent.used_at is not None
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == jti)
        .values(used_at=spent.used_at - timedelta(seconds=seconds))
    )
    db.session.commit()


def family_revoked(token: str) -> bool:
    db.session.rollback()  # read what the requests committed
    family = db.session.get(TokenFamily, claims_of(token)["fam"])
    return family.revoked_at is not None


def test_replaying_a_spent_refresh_token_revokes_the_family(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    first = login(client, alice)
    other_login = login(client, alice)
    second = refresh(client, first["refresh_token"]).get_json()
    third = refresh(client, second["refresh_token"]).get_json()
    age_use(first["refresh_token"], 3600)  # long after the grace window

    replay = refresh(client, first["refresh_token"])
    assert_401(replay)
    assert "already used" in replay.get_json()["message"]
    assert "revoked" in replay.get_json()["message"]

    assert family_revoked(first["refresh_token"])
    # Every token of the family is dead: the thief's and the victim's alike.
    for pair in (first, second, third):
        assert me_status(client, pair["access_token"]) == 401
    assert_401(refresh(client, third["refresh_token"]))
    # Another login of the same user is another family and lives on.
    assert me_status(client, other_login["access_token"]) == 200
    assert refresh(client, other_login["refresh_token"]).status_code == 200


def test_by_default_even_an_immediate_replay_revokes_the_family(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    """The contract's rule, and the default (``JWT_REFRESH_REUSE_GRACE`` 0): a rotated
    refresh token replayed at once ends the whole login, the new pair included."""
    assert app.config["JWT_REFRESH_REUSE_GRACE"] == 0
    pair = login(client, api.register("alice"))
    winner = refresh(client, pair["refresh_token"]).get_json()
    replay = refresh(client, pair["refresh_token"])
    assert_401(replay)
    assert "revoked" in replay.get_json()["message"]
    assert me_status(client, winner["access_token"]) == 401
    assert_401(refresh(client, winner["refresh_token"]))


@pytest.mark.parametrize(
    ("grace", "age", "revoked"),
    [
        (10, 0, False),
        (10, 9, False),
        (10, 11, True),
        (0, 0, True),
        (60, 59, False),
        (60, 61, True),
    ],
    ids=lambda v: str(v),
)
def test_a_reuse_ends_the_login_only_after_the_grace_window(
    api: Api, client: FlaskClient, app: Flask, grace: int, age: int, revoked: bool
) -> None:
    """``JWT_REFRESH_REUSE_GRACE`` seconds after a refresh token was used, a second use is
    refused (401) and ends nothing: the pair the first use returned keeps working. After
    the window (or with a grace of 0) it is theft: the login is revoked, that pair too."""
    app.config["JWT_REFRESH_REUSE_GRACE"] = grace
    pair = login(client, api.register("alice"))
    winner = refresh(client, pair["refresh_token"]).get_json()
    age_use(pair["refresh_token"], age)

    reuse = refresh(client, pair["refresh_token"])
    assert_401(reuse)
    assert "already used" in reuse.get_json()["message"]
    assert ("revoked" in reuse.get_json()["message"]) is revoked
    assert family_revoked(pair["refresh_token"]) is revoked
    if revoked:
        assert me_status(client, winner["access_token"]) == 401
        assert_401(refresh(client, winner["refresh_token"]))
    else:
        assert me_status(client, winner["access_token"]) == 200
        after = refresh(client, winner["refresh_token"])
        assert after.status_code == 200, after.get_json()
        assert me_status(client, after.get_json()["access_token"]) == 200


def test_retries_within_the_window_neither_extend_it_nor_end_the_login(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    """A retry does not move the token's use time (the window runs from the one use that
    counted), and a retry that arrives after the winner's pair was itself rotated still
    ends nothing; once the window has passed, the same token ends the login."""
    app.config["JWT_REFRESH_REUSE_GRACE"] = 10
    pair = login(client, api.register("alice"))
    winner = refresh(client, pair["refresh_token"]).get_json()
    used_at = db.session.get(RefreshToken, claims_of(pair["refresh_token"])["jti"]).used_at
    for _ in range(3):
        assert_401(refresh(client, pair["refresh_token"]))
    db.session.rollback()
    assert db.session.get(RefreshToken, claims_of(pair["refresh_token"])["jti"]).used_at == used_at
    latest = refresh(client, winner["refresh_token"]).get_json()
    assert_401(refresh(client, pair["refresh_token"]))  # a straggler, after the next rotation
    assert not family_revoked(pair["refresh_token"])
    assert me_status(client, latest["access_token"]) == 200

    age_use(pair["refresh_token"], 3600)
    assert "revoked" in refresh(client, pair["refresh_token"]).get_json()["message"]
    assert me_status(client, latest["access_token"]) == 401
    assert_401(refresh(client, latest["refresh_token"]))


@pytest.mark.parametrize(
    "mutation",
    [
        "wrong key",
        "alg none",
        "alg none keeping signature",
        "HS512",
        "HS384",
        "payload changed",
        "expired",
        "not yet valid",
        "issued in the future",
        "wrong issuer",
        "wrong audience",
        "typ access",
        *[f"missing {claim}" for claim in REQUIRED_CLAIMS],
    ],
)
def test_forged_refresh_tokens_are_rejected(
    api: Api, client: FlaskClient, app: Flask, mutation: str
) -> None:
    pair = login(client, api.register("alice"))
    token = pair["refresh_token"]
    now = int(time.time())
    forged = {
        "wrong key": lambda: forge(app, token, key="x" * 32),
        "alg none": lambda: unsigned(token),
        "alg none keeping signature": lambda: unsigned(token, keep_signature=True),
        "HS512": lambda: forge(app, token, algorithm="HS512"),
        "HS384": lambda: forge(app, token, algorithm="HS384"),
        "payload changed": lambda: tamper_payload(token, exp=now + 10**8),
        "expired": lambda: forge(app, token, exp=now - 60, iat=now - 120, nbf=now - 120),
        "not yet valid": lambda: forge(app, token, nbf=now + 3600),
        "issued in the future": lambda: forge(app, token, iat=now + 3600, nbf=now),
        "wrong issuer": lambda: forge(app, token, iss="someone-else"),
        "wrong audience": lambda: forge(app, token, aud="another-api"),
        "typ access": lambda: forge(app, token, typ="access"),
    }
    if mutation.startswith("missing "):
        bad = forge(app, token, drop=(mutation.removeprefix("missing "),))
    else:
        bad = forged[mutation]()
    before = db.session.query(RefreshToken).count()
    assert_401(refresh(client, bad))
    db.session.rollback()
    assert db.session.query(RefreshToken).count() == before
    # The genuine token is untouched by the forgery.
    assert refresh(client, token).status_code == 200


def test_refresh_for_a_deleted_user_is_401(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    pair = login(client, alice)
    assert client.delete(f"/api/v1/users/{alice['id']}", headers=headers).status_code == 204
    assert_401(refresh(client, pair["refresh_token"]))
    assert me_status(client, pair["access_token"]) == 401


# --- logout ---------------------------------------------------------------------------


def test_logout_revokes_access_token_and_family(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    pair = login(client, alice)
    other = login(client, alice)
    second = refresh(client, pair["refresh_token"]).get_json()
    response = client.post(LOGOUT, headers=bearer(second["access_token"]))
    assert response.status_code == 204
    family = db.session.get(TokenFamily, claims_of(second["access_token"])["fam"])
    assert family is not None and family.revoked_at is not None
    assert me_status(client, second["access_token"]) == 401
    assert me_status(client, pair["access_token"]) == 401  # same family
    assert_401(refresh(client, second["refresh_token"]))
    assert_401(client.post(LOGOUT, headers=bearer(second["access_token"])))
    # Logging out one login leaves the user's other logins alone.
    assert me_status(client, other["access_token"]) == 200


def test_logout_with_refresh_token_of_another_login(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    here, there = login(client, alice), login(client, alice)
    response = client.post(
        LOGOUT,
        headers=bearer(here["access_token"]),
        json={"refresh_token": there["refresh_token"]},
    )
    assert response.status_code == 204
    for pair in (here, there):
        assert me_status(client, pair["access_token"]) == 401
        assert_401(refresh(client, pair["refresh_token"]))


def test_logout_with_someone_elses_refresh_token_is_400(api: Api, client: FlaskClient) -> None:
    alice, bob = api.register("alice"), api.register("bob")
    mine, theirs = login(client, alice), login(client, bob)
    response = client.post(
        LOGOUT,
        headers=bearer(mine["access_token"]),
        json={"refresh_token": theirs["refresh_token"]},
    )
    assert response.status_code == 400
    assert "refresh_token" in response.get_json()["errors"]
    # Nothing was revoked, on either side.
    assert me_status(client, mine["access_token"]) == 200
    assert me_status(client, theirs["access_token"]) == 200
    assert refresh(client, theirs["refresh_token"]).status_code == 200


def test_logout_with_an_invalid_refresh_token_is_400(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    pair = login(client, api.register("alice"))
    for bad in (pair["access_token"], forge(app, pair["refresh_token"], key="k" * 32), "x.y.z"):
        response = client.post(
            LOGOUT, headers=bearer(pair["access_token"]), json={"refresh_token": bad}
        )
        assert response.status_code == 400
    assert me_status(client, pair["access_token"]) == 200


def test_logout_with_an_opaque_token_ends_the_given_login(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    pair = login(client, alice)
    response = client.post(LOGOUT, headers=headers, json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 204
    assert me_status(client, pair["access_token"]) == 401
    assert_401(refresh(client, pair["refresh_token"]))


# --- time claims -----------------------------------------------------------------------


def test_expired_access_token_is_rejected_within_leeway_accepted(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    pair = login(client, api.register("alice"))
    now = int(time.time())
    token = pair["access_token"]
    leeway = app.config["JWT_LEEWAY"]
    old = {"iat": now - 1000, "nbf": now - 1000}
    assert me_status(client, forge(app, token, exp=now - leeway - 5, **old)) == 401
    assert me_status(client, forge(app, token, exp=now - 1, **old)) == 200  # clock skew
    assert me_status(client, forge(app, token, nbf=now + leeway + 60)) == 401


def test_revocation_time_is_utc_whatever_the_local_timezone(
    api: Api, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A family's revocation time is naive UTC like every other time, not the server's
    local time."""
    alice = api.register("alice")
    for zone in ("EST5", "JST-9"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        try:
            pair = login(client, alice)
            assert client.post(LOGOUT, headers=bearer(pair["access_token"])).status_code == 204
        finally:
            monkeypatch.undo()
            time.tzset()
        db.session.rollback()
        family = db.session.get(TokenFamily, claims_of(pair["access_token"])["fam"])
        assert abs((family.revoked_at - utcnow()).total_seconds()) < 60, (zone, family)


def test_expired_families_are_pruned(api: Api, client: FlaskClient, app: Flask) -> None:
    alice = api.register("alice")
    live = login(client, alice)
    dead = login(client, alice)
    for pair in (live, dead):
        assert client.post(LOGOUT, headers=bearer(pair["access_token"])).status_code == 204
    past = utcnow() - timedelta(seconds=1)
    dead_claims = claims_of(dead["access_token"])
    db.session.execute(
        update(TokenFamily).where(TokenFamily.id == dead_claims["fam"]).values(expires_at=past)
    )
    db.session.commit()

    login(client, alice)  # logins sweep nothing: `flask prune` does
    assert db.session.get(TokenFamily, dead_claims["fam"]) is not None
    result = app.test_cli_runner().invoke(args=["prune"])
    assert result.exit_code == 0, result.output

    db.session.rollback()
    live_claims = claims_of(live["access_token"])
    assert db.session.get(TokenFamily, dead_claims["fam"]) is None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.family_id == dead_claims["fam"])
        )
        == 0
    )
    assert db.session.get(TokenFamily, live_claims["fam"]).revoked_at is not None
    assert me_status(client, live["access_token"]) == 401


# --- password change ------------------------------------------------------------------


def _sessions(api: Api, client: FlaskClient, user: dict[str, Any]) -> dict[str, Any]:
    return {
        "tokens": [api.token(user), api.token(user)],
        "logins": [login(client, user), login(client, user)],
    }


@pytest.mark.parametrize("kind", ["token", "jwt"])
def test_own_password_change_ends_every_credential(
    api: Api, client: FlaskClient, kind: str
) -> None:
    alice = api.register("alice")
    s = _sessions(api, client, alice)
    key = client.post(
        "/api/v1/me/api-keys", json={"name": "ci"}, headers=bearer(s["tokens"][0])
    ).get_json()["key"]
    used = s["tokens"][0] if kind == "token" else s["logins"][0]["access_token"]
    response = client.patch(
        f"/api/v1/users/{alice['id']}",
        json={"password": "a brand new password", "current_password": alice["password"]},
        headers=bearer(used),
    )
    assert response.status_code == 200
    for token in s["tokens"]:
        assert me_status(client, token) == 401
    for pair in s["logins"]:
        assert me_status(client, pair["access_token"]) == 401
        assert_401(refresh(client, pair["refresh_token"]))
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401
    assert (
        client.post("/api/v1/tokens", headers=basic("alice", alice["password"])).status_code == 401
    )
    assert (
        client.post("/api/v1/tokens", headers=basic("alice", "a brand new password")).status_code
        == 200
    )


def test_password_changed_by_an_admin_ends_every_session(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    s = _sessions(api, client, alice)
    admin, admin_headers = api.login("root")
    db.session.execute(update(User).where(User.id == admin["id"]).values(role="admin"))
    db.session.commit()
    response = client.patch(
        f"/api/v1/users/{alice['id']}", json={"password": "reset by admin"}, headers=admin_headers
    )
    assert response.status_code == 200
    for token in s["tokens"]:
        assert me_status(client, token) == 401
    for pair in s["logins"]:
        assert me_status(client, pair["access_token"]) == 401
        assert_401(refresh(client, pair["refresh_token"]))
    assert client.get("/api/v1/me", headers=admin_headers).status_code == 200


def test_other_changes_do_not_end_sessions(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    s = _sessions(api, client, alice)
    response = client.patch(
        f"/api/v1/users/{alice['id']}",
        json={"about_me": "still me"},
        headers=bearer(s["tokens"][0]),
    )
    assert response.status_code == 200
    assert me_status(client, s["tokens"][1]) == 200
    assert me_status(client, s["logins"][1]["access_token"]) == 200
