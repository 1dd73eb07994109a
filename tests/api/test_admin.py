"""Roles: GET /admin/users, PATCH /users/{id} role/is_active, admin deletes, and
deactivation (docs/authentication.md#what-ends-what)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from microblog.data.db import db
from microblog.data.models import Post, Token, TokenFamily, User
from tests.api.test_auth_jwt import login, refresh
from tests.conftest import Api, basic, bearer

ADMIN_USERS = "/api/v1/admin/users"
ALL_FIELDS = {
    "id",
    "username",
    "email",
    "role",
    "is_active",
    "about_me",
    "last_seen",
    "created_at",
    "post_count",
    "follower_count",
    "following_count",
    "followed_count",
    "_links",
}


def make_admin(api: Api, username: str = "root") -> tuple[dict[str, Any], dict[str, str]]:
    user, headers = api.login(username)
    db.session.execute(update(User).where(User.id == user["id"]).values(role="admin"))
    db.session.commit()
    return user, headers


def test_create_admin_cli_makes_an_admin_who_can_list_users(
    app: Flask, client: FlaskClient
) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--username", "root", "--email", "root@example.com",
              "--password", "a long admin password"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    token = client.post("/api/v1/tokens", headers=basic("root", "a long admin password"))
    response = client.get(ADMIN_USERS, headers=bearer(token.get_json()["token"]))
    assert response.status_code == 200
    (me,) = response.get_json()["items"]
    assert me["role"] == "admin" and me["is_active"] is True


def test_admin_lists_every_user_with_every_field(api: Api, client: FlaskClient) -> None:
    _, headers = make_admin(api)
    alice = api.register("alice")
    bob = api.register("bob")
    db.session.execute(update(User).where(User.id == bob["id"]).values(is_active=False))
    db.session.commit()
    response = client.get(ADMIN_USERS, headers=headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private"
    items = {u["username"]: u for u in response.get_json()["items"]}
    assert set(items) == {"root", "alice", "bob"}
    for user in items.values():
        assert set(user) == ALL_FIELDS
        assert "password" not in user and "password_hash" not in user
    assert items["alice"]["email"] == "alice@example.com"
    assert items["alice"]["id"] == alice["id"]
    assert items["bob"]["is_active"] is False
    assert items["root"]["role"] == "admin"
    assert "$argon2" not in response.get_data(as_text=True)
    assert response.get_json()["_meta"]["total_items"] == 3


def test_admin_list_takes_the_collection_parameters(api: Api, client: FlaskClient) -> None:
    _, headers = make_admin(api)
    for name in ("carol", "alice", "bob"):
        api.register(name)
    page = client.get(f"{ADMIN_USERS}?per_page=2&sort=username", headers=headers).get_json()
    assert [u["username"] for u in page["items"]] == ["alice", "bob"]
    assert page["_meta"]["total_pages"] == 2
    found = client.get(f"{ADMIN_USERS}?q=car", headers=headers).get_json()["items"]
    assert [u["username"] for u in found] == ["carol"]
    assert client.get(f"{ADMIN_USERS}?sort=password_hash", headers=headers).status_code == 400


def test_admin_list_is_for_admins_only(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    response = client.get(ADMIN_USERS, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["message"] == "Administrators only."
    anonymous = client.get(ADMIN_USERS)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    key = client.post("/api/v1/me/api-keys", json={"name": "k"}, headers=headers).get_json()
    assert client.get(ADMIN_USERS, headers={"X-API-Key": key["key"]}).status_code == 403


def test_public_listing_hides_private_fields_admin_sees_them(
    api: Api, client: FlaskClient
) -> None:
    _, admin_headers = make_admin(api)
    alice = api.register("alice")
    _, bob_headers = api.login("bob")
    as_bob = client.get(f"/api/v1/users/{alice['id']}", headers=bob_headers).get_json()
    as_admin = client.get(f"/api/v1/users/{alice['id']}", headers=admin_headers).get_json()
    assert not {"email", "role", "is_active"} & set(as_bob)
    assert as_admin["email"] == "alice@example.com" and as_admin["is_active"] is True


# --- PATCH /users/{id}: role and is_active ----------------------------------------------


def test_admin_changes_role(api: Api, client: FlaskClient) -> None:
    _, headers = make_admin(api)
    alice, alice_headers = api.login("alice")
    response = client.patch(
        f"/api/v1/users/{alice['id']}", json={"role": "admin"}, headers=headers
    )
    assert response.status_code == 200
    assert response.get_json()["role"] == "admin"
    # Takes effect on the next request with the credentials Alice already holds.
    assert client.get(ADMIN_USERS, headers=alice_headers).status_code == 200
    response = client.put(f"/api/v1/users/{alice['id']}", json={"role": "user"}, headers=headers)
    assert response.status_code == 200 and response.get_json()["role"] == "user"
    assert client.get(ADMIN_USERS, headers=alice_headers).status_code == 403


def test_demoted_admin_loses_admin_rights_at_once(api: Api, client: FlaskClient) -> None:
    root, root_headers = make_admin(api)
    _, other_headers = make_admin(api, "other")
    pair = login(client, {"username": "root", "password": root["password"]})
    response = client.patch(
        f"/api/v1/users/{root['id']}", json={"role": "user"}, headers=other_headers
    )
    assert response.status_code == 200
    for headers in (root_headers, bearer(pair["access_token"])):
        assert client.get(ADMIN_USERS, headers=headers).status_code == 403


@pytest.mark.parametrize(
    "body",
    [{"role": "admin"}, {"is_active": False}, {"role": "user", "about_me": "x"}],
    ids=["role", "is_active", "role with another field"],
)
@pytest.mark.parametrize("target", ["self", "other"])
def test_non_admin_cannot_set_role_or_is_active(
    api: Api, client: FlaskClient, body: dict[str, Any], target: str
) -> None:
    alice, headers = api.login("alice")
    bob = api.register("bob")
    victim = alice if target == "self" else bob
    before = client.get(f"/api/v1/users/{victim['id']}").get_json()
    response = client.patch(f"/api/v1/users/{victim['id']}", json=body, headers=headers)
    # Self: the admin-only fields are unknown fields (400). Other: not yours (403).
    assert response.status_code == (400 if target == "self" else 403), response.get_json()
    if target == "self":
        errors = response.get_json()["errors"]
        assert set(errors) == {"role", "is_active"} & set(body)
    db.session.rollback()
    row = db.session.get(User, victim["id"])
    assert row.role == "user" and row.is_active is True
    assert client.get(f"/api/v1/users/{victim['id']}").get_json()["about_me"] == before["about_me"]


@pytest.mark.parametrize(
    "body",
    [
        {"role": "superuser"},
        {"role": None},
        {"is_active": "no"},
        {"is_active": 0},
        {"is_active": None},
        {"id": 99},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"post_count": 5},
        {"password_hash": "x"},
    ],
    ids=lambda b: next(iter(b)) + "=" + repr(next(iter(b.values()))),
)
def test_admin_patch_rejects_other_fields_and_bad_values(
    api: Api, client: FlaskClient, body: dict[str, Any]
) -> None:
    _, headers = make_admin(api)
    alice = api.register("alice")
    response = client.patch(f"/api/v1/users/{alice['id']}", json=body, headers=headers)
    assert response.status_code == 400, response.get_json()
    assert set(response.get_json()["errors"]) == set(body)
    db.session.rollback()
    row = db.session.get(User, alice["id"])
    assert row.role == "user" and row.is_active is True


def test_admin_can_edit_another_users_profile(api: Api, client: FlaskClient) -> None:
    _, headers = make_admin(api)
    alice = api.register("alice")
    response = client.patch(
        f"/api/v1/users/{alice['id']}", json={"about_me": "moderated"}, headers=headers
    )
    assert response.status_code == 200
    assert response.get_json()["about_me"] == "moderated"


# --- deletes ----------------------------------------------------------------------------


def test_admin_deletes_any_user(api: Api, client: FlaskClient) -> None:
    _, headers = make_admin(api)
    alice, alice_headers = api.login("alice")
    client.post("/api/v1/posts", json={"body": "hello"}, headers=alice_headers)
    assert client.delete(f"/api/v1/users/{alice['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/users/{alice['id']}").status_code == 404
    assert client.get("/api/v1/me", headers=alice_headers).status_code == 401
    assert db.session.query(Post).count() == 0


def test_non_admin_cannot_delete_another_user(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    _, bob_headers = api.login("bob")
    response = client.delete(f"/api/v1/users/{alice['id']}", headers=bob_headers)
    assert response.status_code == 403
    assert client.get(f"/api/v1/users/{alice['id']}").status_code == 200


@pytest.mark.parametrize("published", [True, False], ids=["published", "draft"])
def test_admin_deletes_any_post(api: Api, client: FlaskClient, published: bool) -> None:
    _, headers = make_admin(api)
    _, alice_headers = api.login("alice")
    post = client.post(
        "/api/v1/posts", json={"body": "hello", "published": published}, headers=alice_headers
    ).get_json()
    assert client.get(f"/api/v1/posts/{post['id']}", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/posts/{post['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/posts/{post['id']}", headers=alice_headers).status_code == 404


def test_admin_cannot_edit_another_users_post_or_see_their_tasks(
    api: Api, client: FlaskClient
) -> None:
    """Admins moderate (delete); they do not write in someone else's name, and tasks
    stay private to their owner."""
    _, headers = make_admin(api)
    _, alice_headers = api.login("alice")
    post = client.post("/api/v1/posts", json={"body": "hi"}, headers=alice_headers).get_json()
    task = client.post("/api/v1/tasks", json={"title": "t"}, headers=alice_headers).get_json()
    response = client.patch(f"/api/v1/posts/{post['id']}", json={"body": "x"}, headers=headers)
    assert response.status_code == 403
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=headers).status_code == 404


# --- deactivation ----------------------------------------------------------------------


def test_deactivation_ends_every_credential_and_reactivation_restores_login(
    api: Api, client: FlaskClient
) -> None:
    _, admin_headers = make_admin(api)
    alice, token_headers = api.login("alice")
    key = client.post("/api/v1/me/api-keys", json={"name": "k"}, headers=token_headers).get_json()
    pair = login(client, alice)
    live = {
        "opaque token": token_headers,
        "jwt": bearer(pair["access_token"]),
        "api key (X-API-Key)": {"X-API-Key": key["key"]},
        "api key (Bearer)": bearer(key["key"]),
    }
    for name, headers in live.items():
        assert client.get("/api/v1/me", headers=headers).status_code == 200, name

    response = client.patch(
        f"/api/v1/users/{alice['id']}", json={"is_active": False}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.get_json()["is_active"] is False

    for name, headers in live.items():
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    password = alice["password"]
    for login_name in ("alice", "alice@example.com"):
        assert (
            client.post("/api/v1/tokens", headers=basic(login_name, password)).status_code == 401
        )
        assert (
            client.post("/api/v1/auth/login", json={"username": login_name, "password": password})
        ).status_code == 401
        assert (
            client.post("/api/v1/auth/login", headers=basic(login_name, password)).status_code
            == 401
        )
        assert (
            client.get("/todo/api/v1.0/tasks", headers=basic(login_name, password)).status_code
            == 401
        )
    assert refresh(client, pair["refresh_token"]).status_code == 401
    # Sessions are ended, not just suspended.
    db.session.rollback()
    assert db.session.query(Token).filter_by(user_id=alice["id"]).count() == 0
    assert all(f.revoked_at is not None for f in db.session.query(TokenFamily))

    response = client.patch(
        f"/api/v1/users/{alice['id']}", json={"is_active": True}, headers=admin_headers
    )
    assert response.status_code == 200
    assert client.post("/api/v1/tokens", headers=basic("alice", password)).status_code == 200
    assert client.get("/api/v1/me", headers=token_headers).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(pair["access_token"])).status_code == 401
    assert refresh(client, pair["refresh_token"]).status_code == 401


def test_deactivated_user_profile_is_still_listed_for_admins(
    api: Api, client: FlaskClient
) -> None:
    _, headers = make_admin(api)
    alice = api.register("alice")
    client.patch(f"/api/v1/users/{alice['id']}", json={"is_active": False}, headers=headers)
    items = client.get(ADMIN_USERS, headers=headers).get_json()["items"]
    assert {u["username"]: u["is_active"] for u in items} == {"root": True, "alice": False}
