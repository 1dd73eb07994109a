"""API keys: /me/api-keys (docs/authentication.md#api-keys)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from microblog.data.db import db
from microblog.data.models import ApiKey, User
from microblog.data.timeutil import utcnow
from microblog.services import api_keys as api_key_service
from tests.conftest import Api, bearer

KEYS = "/api/v1/me/api-keys"
KEY_FORMAT = re.compile(r"^mbk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")


def create(client: FlaskClient, headers: dict[str, str], name: str = "laptop") -> Any:
    response = client.post(KEYS, json={"name": name}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response


def test_create_shows_the_key_once(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    response = create(client, headers, "deploy script")
    data = response.get_json()
    assert set(data) == {"id", "name", "key", "prefix", "created_at"}
    assert data["name"] == "deploy script"
    assert data["created_at"].endswith("Z")
    match = KEY_FORMAT.match(data["key"])
    assert match, data["key"]
    assert match.group(1) == data["prefix"]  # recognisable, and findable by its prefix
    assert response.headers["Location"].endswith(f"{KEYS}/{data['id']}")
    assert response.headers["Cache-Control"] == "no-store"

    listed = client.get(KEYS, headers=headers)
    assert listed.status_code == 200
    assert data["key"] not in listed.get_data(as_text=True)
    (item,) = listed.get_json()["items"]
    assert set(item) == {"id", "name", "prefix", "created_at", "last_used_at", "_links"}
    assert item["prefix"] == data["prefix"] and item["last_used_at"] is None
    assert item["_links"]["self"] == f"{KEYS}/{data['id']}"


def test_key_is_stored_only_as_a_hash(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    key = create(client, headers).get_json()["key"]
    row = db.session.query(ApiKey).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    secret = key.split("_", 2)[2]  # mbk_<prefix>_<secret>; the secret may contain "_"
    for value in (row.name, row.prefix, row.key_hash):
        assert secret not in value and key not in value


def test_keys_are_unique(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    made = [create(client, headers).get_json() for _ in range(3)]
    assert len({k["key"] for k in made}) == len({k["prefix"] for k in made}) == 3


@pytest.mark.parametrize("how", ["x-api-key", "bearer"])
def test_key_authenticates_and_records_last_use(
    api: Api, client: FlaskClient, app: Flask, how: str
) -> None:
    alice, headers = api.login("alice")
    key = create(client, headers).get_json()
    auth = {"X-API-Key": key["key"]} if how == "x-api-key" else bearer(key["key"])
    before = utcnow()
    response = client.get("/api/v1/me", headers=auth)
    assert response.status_code == 200
    assert response.get_json()["id"] == alice["id"]
    db.session.rollback()
    used = db.session.get(ApiKey, key["id"]).last_used_at
    assert used is not None and used >= before - timedelta(seconds=1)
    listed = client.get(KEYS, headers=headers).get_json()["items"][0]
    assert listed["last_used_at"] is not None
    # Writes are bounded: a second use within LAST_SEEN_INTERVAL does not write again.
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    db.session.rollback()
    assert db.session.get(ApiKey, key["id"]).last_used_at == used
    # ... and past it, it does.
    stale = utcnow() - timedelta(seconds=app.config["LAST_SEEN_INTERVAL"] + 5)
    db.session.execute(update(ApiKey).where(ApiKey.id == key["id"]).values(last_used_at=stale))
    db.session.commit()
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    db.session.rollback()
    assert db.session.get(ApiKey, key["id"]).last_used_at > stale


def test_a_key_can_write(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    key = {"X-API-Key": create(client, headers).get_json()["key"]}
    response = client.post("/api/v1/posts", json={"body": "from a script"}, headers=key)
    assert response.status_code == 201


def test_secret_with_underscores_and_dashes_works(
    api: Api, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """URL-safe base64 secrets contain ``_`` and ``-``: the key still parses."""
    _, headers = api.login("alice")
    monkeypatch.setattr(api_key_service.secrets, "token_urlsafe", lambda n: "a_b-c_d" + "x" * 36)
    key = create(client, headers).get_json()["key"]
    assert key.count("_") == 4
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(key)).status_code == 200


def test_delete_revokes_the_key(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    keep = create(client, headers, "keep").get_json()
    drop = create(client, headers, "drop").get_json()
    assert client.delete(f"{KEYS}/{drop['id']}", headers=headers).status_code == 204
    for auth in ({"X-API-Key": drop["key"]}, bearer(drop["key"])):
        response = client.get("/api/v1/me", headers=auth)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/me", headers={"X-API-Key": keep["key"]}).status_code == 200
    assert client.delete(f"{KEYS}/{drop['id']}", headers=headers).status_code == 404
    assert [k["id"] for k in client.get(KEYS, headers=headers).get_json()["items"]] == [keep["id"]]


def test_a_key_can_delete_itself(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    key = create(client, headers).get_json()
    auth = {"X-API-Key": key["key"]}
    assert client.delete(f"{KEYS}/{key['id']}", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_another_users_key_is_404_and_keeps_working(api: Api, client: FlaskClient) -> None:
    _, alice_headers = api.login("alice")
    _, bob_headers = api.login("bob")
    key = create(client, alice_headers).get_json()
    response = client.delete(f"{KEYS}/{key['id']}", headers=bob_headers)
    assert response.status_code == 404
    assert response.get_json()["message"] == "API key not found."
    missing = client.delete(f"{KEYS}/999999", headers=bob_headers)
    # indistinguishable from a key that does not exist
    assert missing.status_code == 404
    assert missing.get_json()["message"] == response.get_json()["message"]
    assert client.get(KEYS, headers=bob_headers).get_json()["items"] == []
    assert client.get("/api/v1/me", headers={"X-API-Key": key["key"]}).status_code == 200


def test_list_is_a_paginated_collection(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    for i in range(3):
        create(client, headers, f"key {i}")
    response = client.get(f"{KEYS}?per_page=2", headers=headers)
    assert response.status_code == 200
    data = response.get_json()
    assert [k["name"] for k in data["items"]] == ["key 0", "key 1"]
    assert data["_meta"] == {"page": 1, "per_page": 2, "total_pages": 2, "total_items": 3}
    assert data["_links"]["next"] is not None
    assert response.headers["X-Total-Count"] == "3"
    assert client.get(f"{KEYS}?page=0", headers=headers).status_code == 400


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "x" * 101}, {"name": 5}, {"name": "ok", "key": "mine"}],
    ids=["missing", "empty", "too long", "not a string", "unknown field"],
)
def test_create_validation(api: Api, client: FlaskClient, body: dict[str, Any]) -> None:
    _, headers = api.login("alice")
    response = client.post(KEYS, json=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["errors"]
    assert db.session.query(ApiKey).count() == 0


def test_keys_need_authentication(client: FlaskClient) -> None:
    for method, path in (("POST", KEYS), ("GET", KEYS), ("DELETE", f"{KEYS}/1")):
        response = client.open(path, method=method, json={"name": "x"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "key",
    ["mbk_", "mbk_abc", "mbk__", "mbk_0123456789ab_", "mbk_0123456789ab_secret", "MBK_x_y"],
)
def test_malformed_keys_are_401(api: Api, client: FlaskClient, key: str) -> None:
    _, headers = api.login("alice")
    create(client, headers)
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401


def test_keys_of_a_deactivated_user_stop_working(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    key = create(client, headers).get_json()["key"]
    db.session.execute(update(User).where(User.id == alice["id"]).values(is_active=False))
    db.session.commit()
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401
    db.session.execute(update(User).where(User.id == alice["id"]).values(is_active=True))
    db.session.commit()
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200


def test_deleting_the_user_deletes_the_keys(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    key = create(client, headers).get_json()["key"]
    assert client.delete(f"/api/v1/users/{alice['id']}", headers=headers).status_code == 204
    assert db.session.query(ApiKey).count() == 0
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401


def test_delete_tokens_with_a_key_is_400(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    key = create(client, headers).get_json()["key"]
    response = client.delete("/api/v1/tokens", headers={"X-API-Key": key})
    assert response.status_code == 400
    assert "api-keys" in response.get_json()["message"]
