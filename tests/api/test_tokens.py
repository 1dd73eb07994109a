from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from microblog.data.db import db
from microblog.data.models import Token
from microblog.data.timeutil import utcnow
from microblog.services.tokens import hash_token
from tests.conftest import Api, basic, bearer


def test_token_with_username_or_email(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    for login in ("alice", "ALICE", "alice@example.com", "Alice@Example.com"):
        response = client.post("/api/v1/tokens", headers=basic(login, alice["password"]))
        assert response.status_code == 200, login
        data = response.get_json()
        assert set(data) == {"token", "expires_at"}
        assert data["expires_at"].endswith("Z")
        assert response.headers["Cache-Control"] == "no-store"


def test_each_call_issues_a_new_token_stored_only_as_hash(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    first, second = api.token(alice), api.token(alice)
    assert first != second
    stored = {t.token_hash for t in db.session.query(Token)}
    assert stored == {hash_token(first), hash_token(second)}
    assert first not in stored


def test_wrong_password_and_unknown_user_are_401_alike(api: Api, client: FlaskClient) -> None:
    api.register("alice")
    wrong = client.post("/api/v1/tokens", headers=basic("alice", "wrong password"))
    unknown = client.post("/api/v1/tokens", headers=basic("nobody", "wrong password"))
    none = client.post("/api/v1/tokens")
    for response in (wrong, unknown, none):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
        assert response.get_json()["message"] == "Valid credentials are required."


def test_bearer_is_not_accepted_to_get_a_token(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    assert client.post("/api/v1/tokens", headers=headers).status_code == 401


def test_revoke_token(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    response = client.delete("/api/v1/tokens", headers=headers)
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.delete("/api/v1/tokens", headers=headers).status_code == 401


def test_revoking_one_token_leaves_the_others(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    one, two = bearer(api.token(alice)), bearer(api.token(alice))
    client.delete("/api/v1/tokens", headers=one)
    assert client.get("/api/v1/me", headers=two).status_code == 200


def test_expired_token_is_rejected_and_pruned(api: Api, client: FlaskClient, app: Any) -> None:
    alice, headers = api.login("alice")
    db.session.query(Token).update({"expires_at": utcnow() - timedelta(seconds=1)})
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    api.token(alice)  # issuing a token sweeps nothing: `flask prune` does
    assert db.session.query(Token).count() == 2
    assert app.test_cli_runner().invoke(args=["prune"]).exit_code == 0
    assert db.session.query(Token).count() == 1


def test_token_ttl_is_configurable(api: Api, client: FlaskClient, app: Any) -> None:
    app.config["TOKEN_TTL"] = 60
    alice = api.register("alice")
    api.token(alice)
    token = db.session.query(Token).one()
    assert timedelta(seconds=55) < token.expires_at - utcnow() <= timedelta(seconds=60)


def test_garbage_bearer_tokens_are_401(client: FlaskClient) -> None:
    for value in ("Bearer", "Bearer ", "Bearer x", "Bearer " + "a" * 5000, "Token abc"):
        response = client.get("/api/v1/me", headers={"Authorization": value})
        assert response.status_code == 401, value
