"""OWASP API3 (broken object property level authorization): a caller can neither write
a property that is not theirs to set (mass assignment) nor read one that is private
(another user's email and role, any password or its hash)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Api

#: Fields of a user a non-admin may not send, with a value that would matter.
FORBIDDEN_USER_FIELDS = {
    "role": "admin",
    "is_active": False,
    "id": 999,
    "post_count": 5,
    "created_at": "2020-01-01T00:00:00Z",
    "_links": {},
    "password_hash": "x",
}


def keys_in(data: Any) -> set[str]:
    """Every key of every object nested in a JSON document."""
    if isinstance(data, dict):
        return set(data) | {key for value in data.values() for key in keys_in(value)}
    if isinstance(data, list):
        return {key for value in data for key in keys_in(value)}
    return set()


@pytest.mark.parametrize("field", FORBIDDEN_USER_FIELDS)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_user_cannot_set_privileged_or_computed_fields(
    api: Api, client: FlaskClient, field: str, method: str
) -> None:
    alice, headers = api.login("alice")
    url = f"/api/v1/users/{alice['id']}"
    before = client.get(url, headers=headers).get_json()
    body = {"about_me": "changed", field: FORBIDDEN_USER_FIELDS[field]}
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code == 400
    assert field in response.get_json()["errors"]
    after = client.get(url, headers=headers).get_json()
    assert after == before  # nothing was half-written, about_me included


def test_private_user_fields_never_reach_other_viewers(api: Api, client: FlaskClient) -> None:
    alice, alice_headers = api.login("alice")
    bob, bob_headers = api.login("bob")
    client.post(f"/api/v1/me/following/{bob['id']}", headers=alice_headers)
    client.post(f"/api/v1/me/following/{alice['id']}", headers=bob_headers)
    client.post("/api/v1/posts", json={"body": "hi"}, headers=alice_headers)
    reads = [
        "/api/v1/users",
        f"/api/v1/users/{alice['id']}",
        f"/api/v1/users/{alice['id']}/followers",
        f"/api/v1/users/{alice['id']}/following",
        f"/api/v1/users/{alice['id']}/followed",
        f"/api/v1/users/{alice['id']}/posts",
        "/api/v1/posts",
        "/api/v1/feed",
    ]
    for path in reads:
        for viewer in ({}, bob_headers):
            response = client.get(path, headers=viewer)
            if response.status_code == 401:  # the feed needs a caller
                continue
            body = response.get_json()
            assert response.status_code == 200, path
            text = response.get_data(as_text=True)
            assert "alice@example.com" not in text, (path, viewer)
            assert not {"password", "password_hash", "current_password"} & keys_in(body), path
            if path.endswith(f"users/{alice['id']}"):
                assert "email" not in body and "role" not in body


def test_no_response_echoes_a_password(api: Api, client: FlaskClient) -> None:
    alice, headers = api.login("alice")
    response = client.patch(
        f"/api/v1/users/{alice['id']}",
        json={"password": "the next secret", "current_password": alice["password"]},
        headers=headers,
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "the next secret" not in text and alice["password"] not in text
    assert not {"password", "password_hash", "current_password"} & keys_in(response.get_json())
