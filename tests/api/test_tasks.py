from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from microblog.data.db import db
from microblog.data.models import Task
from tests.conftest import Api

TASK_FIELDS = {"id", "title", "description", "done", "created_at", "updated_at", "uri", "_links"}


def add(client: FlaskClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/tasks", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def test_task_crud(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    task = add(client, headers, title="Buy groceries", description="Milk, Cheese")
    assert set(task) == TASK_FIELDS
    assert task["done"] is False
    assert task["uri"] == f"http://localhost/api/v1/tasks/{task['id']}"
    url = task["_links"]["self"]
    assert client.get(url, headers=headers).get_json()["title"] == "Buy groceries"
    updated = client.put(url, json={"done": True}, headers=headers).get_json()
    assert updated["done"] is True and updated["title"] == "Buy groceries"
    patched = client.patch(url, json={"title": "Buy food"}, headers=headers).get_json()
    assert patched["title"] == "Buy food" and patched["done"] is True
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_other_users_tasks_do_not_exist(api: Api, client: FlaskClient) -> None:
    _, alice_h = api.login("alice")
    _, bob_h = api.login("bob")
    task = add(client, alice_h, title="private")
    url = f"/api/v1/tasks/{task['id']}"
    assert client.get(url, headers=bob_h).status_code == 404
    assert client.put(url, json={"done": True}, headers=bob_h).status_code == 404
    assert client.patch(url, json={"done": True}, headers=bob_h).status_code == 404
    assert client.delete(url, headers=bob_h).status_code == 404
    assert client.get("/api/v1/tasks", headers=bob_h).get_json()["items"] == []
    assert db.session.get(Task, task["id"]).done is False


def test_tasks_require_auth(client: FlaskClient) -> None:
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.post("/api/v1/tasks", json={"title": "x"}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "t" * 201},
        {"title": 5},
        {"title": ["a"]},
        {"title": "x", "done": "yes"},
        {"title": "x", "done": 1},
        {"title": "x", "done": None},
        {"title": "x", "description": 3},
        {"title": "x", "description": "d" * 2001},
        {"title": "x", "id": 7},
        {"title": "x\u0000"},
    ],
)
def test_task_types_are_checked(api: Api, client: FlaskClient, body: dict[str, Any]) -> None:
    _, headers = api.login("alice")
    response = client.post("/api/v1/tasks", json=body, headers=headers)
    assert response.status_code == 400, body
    assert response.get_json()["errors"]
    assert db.session.query(Task).count() == 0


def test_update_type_checks_leave_task_unchanged(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    task = add(client, headers, title="keep")
    url = f"/api/v1/tasks/{task['id']}"
    for body in ({"done": "yes"}, {"title": None}, {"title": 1}, {"uri": "x"}):
        assert client.put(url, json=body, headers=headers).status_code == 400, body
    assert client.get(url, headers=headers).get_json()["title"] == "keep"


def test_filters_and_sort(api: Api, client: FlaskClient) -> None:
    _, headers = api.login("alice")
    add(client, headers, title="buy milk")
    add(client, headers, title="Buy bread", done=True)
    add(client, headers, title="learn python")
    add(client, headers, title="buy_x")

    def titles(query: str) -> list[str]:
        response = client.get(f"/api/v1/tasks?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [t["title"] for t in response.get_json()["items"]]

    assert titles("") == ["buy milk", "Buy bread", "learn python", "buy_x"]
    assert titles("done=true") == ["Buy bread"]
    assert titles("done=false") == ["buy milk", "learn python", "buy_x"]
    assert titles("q=buy&sort=title") == ["Buy bread", "buy milk", "buy_x"]
    assert titles("q=buy_") == ["buy_x"]
    assert titles("q=milk") == []  # a prefix, not a substring
    assert titles("sort=-done")[0] == "Buy bread"


@pytest.mark.parametrize(
    "query", ["done=yes", "done=1", "done=True", "sort=description", "page=0", "per_page=x"]
)
def test_bad_task_queries(api: Api, client: FlaskClient, query: str) -> None:
    _, headers = api.login("alice")
    response = client.get(f"/api/v1/tasks?{query}", headers=headers)
    assert response.status_code == 400
