"""Conditional requests and caching headers (docs/reference.md#conditional-requests-and-caching):
strong ETags, If-None-Match → 304, If-Match → 412 on stale writes (the lost-update problem),
Cache-Control per audience."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microblog.data.db import db
from microblog.data.models import Post, Task
from tests.conftest import Api, basic


def write_post(client: FlaskClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("body", "first version")
    response = client.post("/api/v1/posts", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def etag_of(client: FlaskClient, url: str, headers: dict[str, str] | None = None) -> str:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return str(response.headers["ETag"])


class TestETagOnGet:
    @pytest.mark.parametrize("url", ["/api/v1/users", "/api/v1/posts", "/api/v1/users/{id}"])
    def test_public_get_has_strong_etag_and_no_cache(
        self, api: Api, client: FlaskClient, url: str
    ) -> None:
        alice = api.register("alice")
        response = client.get(url.format(id=alice["id"]))
        assert response.status_code == 200
        etag = response.headers["ETag"]
        assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
        assert response.headers["Cache-Control"] == "no-cache"
        assert "Authorization" in response.headers["Vary"]

    def test_same_representation_same_etag_change_changes_it(
        self, api: Api, client: FlaskClient
    ) -> None:
        alice, headers = api.login("alice")
        url = f"/api/v1/users/{alice['id']}"
        first = etag_of(client, url)
        assert etag_of(client, url) == first
        assert client.patch(url, json={"about_me": "new"}, headers=headers).status_code == 200
        assert etag_of(client, url) != first

    def test_collection_etag_changes_when_an_item_is_added(
        self, api: Api, client: FlaskClient
    ) -> None:
        _, headers = api.login("alice")
        before = etag_of(client, "/api/v1/posts")
        write_post(client, headers)
        assert etag_of(client, "/api/v1/posts") != before

    def test_authenticated_get_is_private(self, api: Api, client: FlaskClient) -> None:
        alice, headers = api.login("alice")
        response = client.get(f"/api/v1/users/{alice['id']}", headers=headers)
        assert response.status_code == 200
        assert "ETag" in response.headers
        assert response.headers["Cache-Control"] == "private"

    def test_etag_differs_between_viewers_who_see_different_fields(
        self, api: Api, client: FlaskClient
    ) -> None:
        alice, alice_h = api.login("alice")
        _, bob_h = api.login("bob")
        url = f"/api/v1/users/{alice['id']}"
        assert etag_of(client, url, alice_h) != etag_of(client, url, bob_h)

    def test_errors_have_no_etag(self, client: FlaskClient) -> None:
        response = client.get("/api/v1/users/4242")
        assert response.status_code == 404
        assert "ETag" not in response.headers

    def test_no_date_field_of_its_own(self, api: Api, client: FlaskClient) -> None:
        """The HTTP server writes Date; a second one from the app would be a duplicate."""
        alice = api.register("alice")
        url = f"/api/v1/users/{alice['id']}"
        response = client.get(url)
        assert "Date" not in response.headers
        not_modified = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert not_modified.status_code == 304
        assert "Date" not in not_modified.headers

    def test_head_has_the_same_etag(self, api: Api, client: FlaskClient) -> None:
        alice = api.register("alice")
        url = f"/api/v1/users/{alice['id']}"
        head = client.head(url)
        assert head.status_code == 200
        assert head.headers["ETag"] == etag_of(client, url)


class TestIfNoneMatch:
    def test_matching_etag_is_304_without_body(self, api: Api, client: FlaskClient) -> None:
        alice = api.register("alice")
        url = f"/api/v1/users/{alice['id']}"
        etag = etag_of(client, url)
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 304
        assert response.get_data() == b""
        assert response.headers["ETag"] == etag

    def test_matching_one_of_a_list_or_star_is_304(self, api: Api, client: FlaskClient) -> None:
        api.register("alice")
        etag = etag_of(client, "/api/v1/users")
        listed = client.get("/api/v1/users", headers={"If-None-Match": f'"nope", {etag}'})
        assert listed.status_code == 304
        assert client.get("/api/v1/users", headers={"If-None-Match": "*"}).status_code == 304

    def test_stale_etag_gets_the_new_representation(self, api: Api, client: FlaskClient) -> None:
        alice, headers = api.login("alice")
        url = f"/api/v1/users/{alice['id']}"
        old = etag_of(client, url)
        client.patch(url, json={"about_me": "changed"}, headers=headers)
        response = client.get(url, headers={"If-None-Match": old})
        assert response.status_code == 200
        assert response.get_json()["about_me"] == "changed"
        assert response.headers["ETag"] != old

    def test_authenticated_304(self, api: Api, client: FlaskClient) -> None:
        _, headers = api.login("alice")
        task = client.post("/api/v1/tasks", json={"title": "t"}, headers=headers).get_json()
        url = task["_links"]["self"]
        etag = etag_of(client, url, headers)
        response = client.get(url, headers={**headers, "If-None-Match": etag})
        assert response.status_code == 304
        assert response.headers["Cache-Control"] == "private"


class TestIfMatch:
    def test_put_and_patch_return_the_new_etag_usable_for_the_next_write(
        self, api: Api, client: FlaskClient
    ) -> None:
        _, headers = api.login("alice")
        post = write_post(client, headers)
        url = post["_links"]["self"]
        etag = etag_of(client, url, headers)
        patched = client.patch(url, json={"body": "second"}, headers={**headers, "If-Match": etag})
        assert patched.status_code == 200, patched.get_json()
        assert patched.headers["ETag"] != etag
        assert patched.headers["ETag"] == etag_of(client, url, headers)
        put = client.put(
            url, json={"body": "third"}, headers={**headers, "If-Match": patched.headers["ETag"]}
        )
        assert put.status_code == 200, put.get_json()
        assert put.headers["ETag"] == etag_of(client, url, headers)

    @pytest.mark.parametrize("method", ["put", "patch"])
    def test_stale_if_match_is_412_and_changes_nothing(
        self, api: Api, client: FlaskClient, method: str
    ) -> None:
        _, headers = api.login("alice")
        task = client.post("/api/v1/tasks", json={"title": "v1"}, headers=headers).get_json()
        url = task["_links"]["self"]
        response = getattr(client, method)(
            url, json={"title": "v2"}, headers={**headers, "If-Match": '"stale"'}
        )
        assert response.status_code == 412
        body = response.get_json()
        assert body["error"] == "Precondition Failed"
        assert set(body) == {"error", "message", "request_id"}
        assert db.session.get_one(Task, task["id"]).title == "v1"

    def test_delete_with_stale_if_match_is_412_current_is_204(
        self, api: Api, client: FlaskClient
    ) -> None:
        _, headers = api.login("alice")
        post = write_post(client, headers)
        url = post["_links"]["self"]
        stale = client.delete(url, headers={**headers, "If-Match": '"stale"'})
        assert stale.status_code == 412
        assert db.session.get(Post, post["id"]) is not None
        current = client.delete(url, headers={**headers, "If-Match": etag_of(client, url)})
        assert current.status_code == 204
        assert db.session.get(Post, post["id"]) is None

    def test_star_and_lists(self, api: Api, client: FlaskClient) -> None:
        _, headers = api.login("alice")
        post = write_post(client, headers)
        url = post["_links"]["self"]
        star = client.patch(url, json={"body": "b"}, headers={**headers, "If-Match": "*"})
        assert star.status_code == 200
        etag = star.headers["ETag"]
        listed = client.patch(
            url, json={"body": "c"}, headers={**headers, "If-Match": f'"other", {etag}'}
        )
        assert listed.status_code == 200

    def test_weak_etag_never_satisfies_if_match(self, api: Api, client: FlaskClient) -> None:
        _, headers = api.login("alice")
        post = write_post(client, headers)
        url = post["_links"]["self"]
        weak = "W/" + etag_of(client, url, headers)
        response = client.patch(url, json={"body": "x"}, headers={**headers, "If-Match": weak})
        assert response.status_code == 412

    def test_if_match_uses_the_callers_own_representation(
        self, api: Api, client: FlaskClient
    ) -> None:
        """Alice edits herself with the ETag she saw (which includes her email); the public
        ETag of the same URL is a different representation and does not match."""
        alice, headers = api.login("alice")
        url = f"/api/v1/users/{alice['id']}"
        public = etag_of(client, url)
        mine = etag_of(client, url, headers)
        assert (
            client.patch(
                url, json={"about_me": "x"}, headers={**headers, "If-Match": public}
            ).status_code
            == 412
        )
        ok = client.patch(url, json={"about_me": "x"}, headers={**headers, "If-Match": mine})
        assert ok.status_code == 200, ok.get_json()

    def test_if_match_on_missing_resource(self, api: Api, client: FlaskClient) -> None:
        _, headers = api.login("alice")
        response = client.patch(
            "/api/v1/posts/4242", json={"body": "x"}, headers={**headers, "If-Match": '"a"'}
        )
        assert response.status_code == 412
        star = client.patch(
            "/api/v1/posts/4242", json={"body": "x"}, headers={**headers, "If-Match": "*"}
        )
        assert star.status_code == 404

    def test_if_match_is_checked_after_authentication(self, api: Api, client: FlaskClient) -> None:
        _, headers = api.login("alice")
        post = write_post(client, headers)
        response = client.patch(
            post["_links"]["self"], json={"body": "x"}, headers={"If-Match": '"stale"'}
        )
        assert response.status_code == 401


def test_lost_update_is_prevented(app: Flask, api: Api) -> None:
    """Two clients (Alice's phone and laptop) read the same post; the first write wins and
    the second, still holding the old ETag, gets 412 instead of silently overwriting it."""
    alice = api.register("alice")
    phone, laptop = app.test_client(), app.test_client()
    phone_auth = {"Authorization": f"Bearer {api.token(alice)}"}
    laptop_auth = {"Authorization": f"Bearer {api.token(alice)}"}
    post = write_post(phone, phone_auth, title="Draft", body="original")
    url = post["_links"]["self"]

    phone_read = phone.get(url, headers=phone_auth)
    laptop_read = laptop.get(url, headers=laptop_auth)
    assert phone_read.headers["ETag"] == laptop_read.headers["ETag"]
    seen = laptop_read.headers["ETag"]

    first = phone.patch(
        url, json={"body": "phone's edit"}, headers={**phone_auth, "If-Match": seen}
    )
    assert first.status_code == 200, first.get_json()

    second = laptop.put(
        url,
        json={"title": "Laptop", "body": "laptop's edit"},
        headers={**laptop_auth, "If-Match": seen},
    )
    assert second.status_code == 412
    assert second.get_json()["error"] == "Precondition Failed"

    db.session.expire_all()
    stored = db.session.get_one(Post, post["id"])
    assert stored.body == "phone's edit"
    assert stored.title == "Draft"

    # The laptop re-reads, sees the phone's edit, and can then write on top of it.
    fresh = laptop.get(url, headers=laptop_auth)
    assert fresh.get_json()["body"] == "phone's edit"
    retry = laptop.put(
        url,
        json={"body": "laptop's edit"},
        headers={**laptop_auth, "If-Match": fresh.headers["ETag"]},
    )
    assert retry.status_code == 200
    db.session.expire_all()
    assert db.session.get_one(Post, post["id"]).body == "laptop's edit"


class TestCacheControl:
    def test_token_responses_are_no_store(self, api: Api, client: FlaskClient) -> None:
        alice = api.register("alice")
        token = client.post("/api/v1/tokens", headers=basic("alice", alice["password"]))
        assert token.status_code == 200
        assert token.headers["Cache-Control"] == "no-store"
        login = client.post(
            "/api/v1/auth/login", json={"username": "alice", "password": alice["password"]}
        )
        assert login.status_code == 200
        assert login.headers["Cache-Control"] == "no-store"

    def test_authenticated_write_is_private(self, api: Api, client: FlaskClient) -> None:
        alice, headers = api.login("alice")
        response = client.patch(
            f"/api/v1/users/{alice['id']}", json={"about_me": "x"}, headers=headers
        )
        assert response.headers["Cache-Control"] == "private"

    def test_api_key_caller_is_private(self, api: Api, client: FlaskClient) -> None:
        alice, headers = api.login("alice")
        created = client.post("/api/v1/me/api-keys", json={"name": "ci"}, headers=headers)
        assert created.status_code == 201, created.get_json()
        key = created.get_json()["key"]
        response = client.get(f"/api/v1/users/{alice['id']}", headers={"X-API-Key": key})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private"
