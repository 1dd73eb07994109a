from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from microblog.data.db import db
from microblog.data.models import User
from tests.conftest import Api, basic, bearer

PUBLIC_FIELDS = {
    "id",
    "username",
    "about_me",
    "last_seen",
    "created_at",
    "post_count",
    "follower_count",
    "following_count",
    "followed_count",
    "_links",
}


def test_register_returns_201_location_and_representation(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/users",
        json={
            "username": "alice",
            "email": "Alice@Example.com",
            "password": "correct horse",
            "about_me": "Hello, my name is Alice!",
        },
    )
    assert response.status_code == 201
    data = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/users/{data['id']}")
    assert set(data) == PUBLIC_FIELDS | {"email", "role"}
    assert data["username"] == "alice"
    assert data["about_me"] == "Hello, my name is Alice!"
    assert data["role"] == "user"
    assert data["post_count"] == data["follower_count"] == data["following_count"] == 0
    assert data["created_at"].endswith("Z") and "." in data["created_at"]
    links = data["_links"]
    assert links["self"] == f"/api/v1/users/{data['id']}"
    assert set(links) >= {"self", "followers", "following", "posts", "avatar"}
    assert links["avatar"].startswith("https://www.gravatar.com/avatar/")
    assert "password" not in response.get_data(as_text=True)


def test_password_is_stored_hashed(client: FlaskClient, app: Any) -> None:
    client.post(
        "/api/v1/users",
        json={"username": "bob", "email": "bob@example.com", "password": "s3cret-password"},
    )
    user = db.session.query(User).filter_by(username="bob").one()
    assert "s3cret-password" not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")


def test_get_user_public_view_hides_private_fields(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    response = client.get(f"/api/v1/users/{alice['id']}")
    assert response.status_code == 200
    assert set(response.get_json()) == PUBLIC_FIELDS


def test_get_user_via_unversioned_alias(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    response = client.get(f"/api/users/{alice['id']}")
    assert response.status_code == 200
    assert response.get_json()["username"] == "alice"


def test_self_sees_private_fields_other_does_not(api: Api, client: FlaskClient) -> None:
    alice, alice_auth = api.login("alice")
    _, bob_auth = api.login("bob")
    mine = client.get(f"/api/v1/users/{alice['id']}", headers=alice_auth).get_json()
    theirs = client.get(f"/api/v1/users/{alice['id']}", headers=bob_auth).get_json()
    assert mine["email"] == "alice@example.com"
    assert "email" not in theirs and "role" not in theirs


def test_unknown_user_is_404(client: FlaskClient) -> None:
    for path in ("/api/v1/users/999", "/api/v1/users/0", "/api/v1/users/99999999999999999999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "Not Found"


def test_me_returns_caller(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    data = response.get_json()
    assert data["id"] == alice["id"]
    assert data["email"] == "alice@example.com"
    assert response.headers["Cache-Control"] == "private"


def test_me_without_credentials_is_401_with_challenge(client: FlaskClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "Unauthorized"


def test_duplicate_username_and_email_conflict(api: Api, client: FlaskClient) -> None:
    api.register("alice")
    response = client.post(
        "/api/v1/users",
        json={"username": "ALICE", "email": "other@example.com", "password": "password1"},
    )
    assert response.status_code == 409
    assert "different username" in response.get_json()["message"]
    response = client.post(
        "/api/v1/users",
        json={"username": "alice2", "email": "ALICE@example.COM", "password": "password1"},
    )
    assert response.status_code == 409
    assert "different email" in response.get_json()["message"]
    assert db.session.query(User).count() == 1


def test_update_self_put_and_patch(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    url = f"/api/v1/users/{alice['id']}"
    response = client.put(url, json={"about_me": "Hi, I am Alice"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["about_me"] == "Hi, I am Alice"
    assert response.get_json()["username"] == "alice"
    response = client.patch(
        url,
        data='{"username": "alicia"}',
        content_type="application/merge-patch+json",
        headers=headers,
    )
    assert response.status_code == 200
    assert response.get_json()["username"] == "alicia"
    assert response.get_json()["about_me"] == "Hi, I am Alice"


def test_update_to_own_current_values_is_not_a_conflict(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    response = client.put(
        f"/api/v1/users/{alice['id']}",
        json={"username": "alice", "email": "alice@example.com"},
        headers=headers,
    )
    assert response.status_code == 200


def test_update_to_taken_username_conflicts(api: Api, client: FlaskClient) -> None:
    api.register("bob")
    alice, headers = api.login("alice")
    response = client.patch(
        f"/api/v1/users/{alice['id']}", json={"username": "Bob"}, headers=headers
    )
    assert response.status_code == 409
    assert client.get(f"/api/v1/users/{alice['id']}").get_json()["username"] == "alice"


def test_cannot_edit_or_delete_another_user(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    _, bob_headers = api.login("bob")
    url = f"/api/v1/users/{alice['id']}"
    assert client.put(url, json={"about_me": "pwned"}, headers=bob_headers).status_code == 403
    assert client.delete(url, headers=bob_headers).status_code == 403
    assert client.get(url).get_json()["about_me"] == ""


def test_role_and_is_active_are_unknown_fields_for_non_admins(
    api: Api, client: FlaskClient
) -> None:
    alice, headers = api.login("alice")
    url = f"/api/v1/users/{alice['id']}"
    for body in ({"role": "admin"}, {"is_active": False}, {"role": "admin", "about_me": "x"}):
        response = client.patch(url, json=body, headers=headers)
        assert response.status_code == 400, body
        assert set(response.get_json()["errors"]) <= {"role", "is_active"}
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["role"] == "user" and me["about_me"] == ""


def test_fields_nobody_may_set_are_rejected(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    url = f"/api/v1/users/{alice['id']}"
    for body in (
        {"id": 99},
        {"post_count": 5},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"_links": {}},
        {"password_hash": "x"},
    ):
        response = client.patch(url, json=body, headers=headers)
        assert response.status_code == 400, body
        field = next(iter(body))
        assert response.get_json()["errors"] == {field: ["Unknown field."]}


def test_admin_can_change_role_and_deactivate(api: Api, client: FlaskClient, app: Any) -> None:
    admin = api.register("admin")
    db.session.query(User).filter_by(id=admin["id"]).update({"role": "admin"})
    db.session.commit()
    admin_headers = bearer(api.token(admin))
    bob, bob_headers = api.login("bob")
    url = f"/api/v1/users/{bob['id']}"
    response = client.patch(url, json={"is_active": False}, headers=admin_headers)
    assert response.status_code == 200
    assert response.get_json()["is_active"] is False
    # A deactivated user's live token and password stop working.
    assert client.get("/api/v1/me", headers=bob_headers).status_code == 401
    assert client.post("/api/v1/tokens", headers=basic("bob", bob["password"])).status_code == 401


def test_password_change_needs_the_current_password_and_ends_every_token(
    api: Api, client: FlaskClient
) -> None:
    alice, current = api.login("alice")
    other = bearer(api.token(alice))
    url = f"/api/v1/users/{alice['id']}"
    assert (
        client.patch(url, json={"password": "a brand new one"}, headers=current).status_code == 403
    )
    response = client.patch(
        url,
        json={"password": "a brand new one", "current_password": alice["password"]},
        headers=current,
    )
    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=current).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert (
        client.post("/api/v1/tokens", headers=basic("alice", "a brand new one")).status_code == 200
    )


def test_delete_self(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    response = client.delete(f"/api/v1/users/{alice['id']}", headers=headers)
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"/api/v1/users/{alice['id']}").status_code == 404
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_list_users_search_and_sort(api: Api, client: FlaskClient) -> None:
    api.register("charlie", about_me="likes tea")
    api.register("alice", about_me="likes coffee")
    api.register("bob", about_me="100% tea_drinker")
    names = lambda r: [u["username"] for u in r.get_json()["items"]]  # noqa: E731
    assert names(client.get("/api/v1/users")) == ["charlie", "alice", "bob"]
    assert names(client.get("/api/v1/users?sort=username")) == ["alice", "bob", "charlie"]
    assert names(client.get("/api/v1/users?sort=-username")) == ["charlie", "bob", "alice"]
    assert names(client.get("/api/v1/users?sort=-created_at"))[0] == "bob"
    assert names(client.get("/api/v1/users?q=TEA&sort=username")) == ["bob", "charlie"]
    assert names(client.get("/api/v1/users?q=ALI")) == ["alice"]
    # LIKE wildcards in q are literal characters.
    assert names(client.get("/api/v1/users?q=100%25")) == ["bob"]
    assert names(client.get("/api/v1/users?q=ik_s")) == []
    assert names(client.get("/api/v1/users?q=tea_")) == ["bob"]


def test_list_users_bad_sort_is_400(client: FlaskClient) -> None:
    for sort in ("password_hash", "email", "-", "username;drop table users"):
        response = client.get(f"/api/v1/users?sort={sort}")
        assert response.status_code == 400, sort
        assert "sort" in response.get_json()["errors"]


def test_last_seen_is_written_at_most_once_a_minute(
    api: Api, client: FlaskClient, count_queries: Any
) -> None:
    _, headers = api.login("alice")
    client.get("/api/v1/me", headers=headers)
    before = len([s for s in count_queries.statements if s.startswith("UPDATE users")])
    for _ in range(3):
        client.get("/api/v1/me", headers=headers)
    after = len([s for s in count_queries.statements if s.startswith("UPDATE users")])
    assert after == before


def test_last_seen_is_updated_after_the_interval(api: Api, client: FlaskClient, app: Any) -> None:
    app.config["LAST_SEEN_INTERVAL"] = 0
    _, headers = api.login("alice")
    first = client.get("/api/v1/me", headers=headers).get_json()["last_seen"]
    second = client.get("/api/v1/me", headers=headers).get_json()["last_seen"]
    assert second > first
