from __future__ import annotations

from flask.testing import FlaskClient

from microblog.data.db import db
from microblog.data.models import follows
from tests.conftest import Api


def test_follow_unfollow_cycle(api: Api, client: FlaskClient) -> None:
    alice, alice_h = api.login("alice")
    bob = api.register("bob")
    url = f"/api/v1/me/following/{bob['id']}"
    assert client.get(url, headers=alice_h).status_code == 404
    assert client.post(url, headers=alice_h).status_code == 204
    assert client.post(url, headers=alice_h).status_code == 204  # idempotent
    assert client.get(url, headers=alice_h).status_code == 204
    assert db.session.query(follows).count() == 1
    bob_view = client.get(f"/api/v1/users/{bob['id']}").get_json()
    assert bob_view["follower_count"] == 1
    alice_view = client.get(f"/api/v1/users/{alice['id']}").get_json()
    assert alice_view["following_count"] == alice_view["followed_count"] == 1
    followers = client.get(f"/api/v1/users/{bob['id']}/followers").get_json()
    assert [u["id"] for u in followers["items"]] == [alice["id"]]
    for name in ("following", "followed"):
        listed = client.get(f"/api/v1/users/{alice['id']}/{name}").get_json()
        assert [u["id"] for u in listed["items"]] == [bob["id"]]
    assert client.delete(url, headers=alice_h).status_code == 204
    assert client.delete(url, headers=alice_h).status_code == 204
    assert client.get(url, headers=alice_h).status_code == 404
    assert db.session.query(follows).count() == 0


def test_follow_yourself_is_400(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    response = client.post(f"/api/v1/me/following/{alice['id']}", headers=headers)
    assert response.status_code == 400
    assert db.session.query(follows).count() == 0


def test_follow_unknown_user_is_404(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    assert client.post("/api/v1/me/following/999", headers=headers).status_code == 404
    assert client.delete("/api/v1/me/following/999", headers=headers).status_code == 404
    assert client.get("/api/v1/users/999/followers").status_code == 404


def test_follow_requires_auth(api: Api, client: FlaskClient) -> None:
    bob = api.register("bob")
    assert client.post(f"/api/v1/me/following/{bob['id']}").status_code == 401


def test_deleting_a_user_removes_their_follows(api: Api, client: FlaskClient) -> None:
    alice, alice_h = api.login("alice")
    bob, bob_h = api.login("bob")
    client.post(f"/api/v1/me/following/{bob['id']}", headers=alice_h)
    client.post(f"/api/v1/me/following/{alice['id']}", headers=bob_h)
    assert client.delete(f"/api/v1/users/{bob['id']}", headers=bob_h).status_code == 204
    assert db.session.query(follows).count() == 0
    assert client.get(f"/api/v1/users/{alice['id']}").get_json()["follower_count"] == 0
