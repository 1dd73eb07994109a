"""Replays every curl command of the 2013 tutorial (seed 001) against /todo/api/v1.0.

Only the credentials change: the tutorial's ``miguel:python`` becomes a registered user
(our passwords are at least 8 characters)."""

from __future__ import annotations

from flask.testing import FlaskClient

from microblog.data.db import db
from microblog.data.models import Task
from tests.conftest import Api, basic

BASE = "http://localhost/todo/api/v1.0/tasks"
JSON = {"Content-Type": "application/json"}


def test_replay_of_the_2013_tutorial(api: Api, client: FlaskClient) -> None:
    api.register("miguel", password="python-rocks")
    auth = basic("miguel", "python-rocks")
    # The tutorial's in-memory list, created through the same surface.
    for title, description in [
        ("Buy groceries", "Milk, Cheese, Pizza, Fruit, Tylenol"),
        ("Learn Python", "Need to find a good Python tutorial on the web"),
    ]:
        response = client.post(
            "/todo/api/v1.0/tasks",
            data=f'{{"title": "{title}", "description": "{description}"}}',
            headers={**auth, **JSON},
        )
        assert response.status_code == 201

    # $ curl -i http://localhost:5000/todo/api/v1.0/tasks   (once the API is protected)
    response = client.get("/todo/api/v1.0/tasks")
    assert response.status_code == 401
    assert response.content_type == "application/json"
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert response.get_json()["error"] == "Unauthorized"

    # $ curl -u miguel:python -i http://localhost:5000/todo/api/v1.0/tasks
    response = client.get("/todo/api/v1.0/tasks", headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {
        "tasks": [
            {
                "title": "Buy groceries",
                "done": False,
                "description": "Milk, Cheese, Pizza, Fruit, Tylenol",
                "uri": f"{BASE}/1",
            },
            {
                "title": "Learn Python",
                "done": False,
                "description": "Need to find a good Python tutorial on the web",
                "uri": f"{BASE}/2",
            },
        ]
    }

    # $ curl -i http://localhost:5000/todo/api/v1.0/tasks/2
    response = client.get("/todo/api/v1.0/tasks/2", headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {
        "task": {
            "description": "Need to find a good Python tutorial on the web",
            "done": False,
            "title": "Learn Python",
            "uri": f"{BASE}/2",
        }
    }

    # $ curl -i http://localhost:5000/todo/api/v1.0/tasks/3   → a JSON 404, not HTML
    response = client.get("/todo/api/v1.0/tasks/3", headers=auth)
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.get_json()["error"] == "Not Found"

    # $ curl -i -H "Content-Type: application/json" -X POST -d '{"title":"Read a book"}' ...
    response = client.post(
        "/todo/api/v1.0/tasks", data='{"title":"Read a book"}', headers={**auth, **JSON}
    )
    assert response.status_code == 201
    assert response.get_json() == {
        "task": {"description": "", "done": False, "title": "Read a book", "uri": f"{BASE}/3"}
    }

    # $ curl -i http://localhost:5000/todo/api/v1.0/tasks
    tasks = client.get("/todo/api/v1.0/tasks", headers=auth).get_json()["tasks"]
    assert [t["title"] for t in tasks] == ["Buy groceries", "Learn Python", "Read a book"]
    assert tasks[2] == {
        "description": "",
        "done": False,
        "title": "Read a book",
        "uri": f"{BASE}/3",
    }

    # $ curl -i -H "Content-Type: application/json" -X PUT -d '{"done":true}' .../tasks/2
    response = client.put("/todo/api/v1.0/tasks/2", data='{"done":true}', headers={**auth, **JSON})
    assert response.status_code == 200
    assert response.get_json() == {
        "task": {
            "description": "Need to find a good Python tutorial on the web",
            "done": True,
            "title": "Learn Python",
            "uri": f"{BASE}/2",
        }
    }

    # DELETE (the tutorial shows the code; it answers {"result": true})
    response = client.delete("/todo/api/v1.0/tasks/3", headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {"result": True}
    assert client.get("/todo/api/v1.0/tasks/3", headers=auth).status_code == 404


def test_todo_type_checks_like_the_tutorial(api: Api, client: FlaskClient) -> None:
    api.register("miguel", password="python-rocks")
    auth = {**basic("miguel", "python-rocks"), **JSON}
    assert client.post("/todo/api/v1.0/tasks", data="{}", headers=auth).status_code == 400
    created = client.post("/todo/api/v1.0/tasks", data='{"title": "x"}', headers=auth)
    uri = created.get_json()["task"]["uri"].replace("http://localhost", "")
    for body in ('{"title": 1}', '{"description": false}', '{"done": "yes"}', "[]", "not json"):
        response = client.put(uri, data=body, headers=auth)
        assert response.status_code == 400, body
    assert db.session.query(Task).one().title == "x"


def test_todo_is_private_and_accepts_bearer(api: Api, client: FlaskClient) -> None:
    api.register("miguel", password="python-rocks")
    auth = {**basic("miguel", "python-rocks"), **JSON}
    client.post("/todo/api/v1.0/tasks", data='{"title": "mine"}', headers=auth)
    _, other = api.login("other")
    assert client.get("/todo/api/v1.0/tasks", headers=other).get_json() == {"tasks": []}
    assert client.get("/todo/api/v1.0/tasks/1", headers=other).status_code == 404
    assert client.delete("/todo/api/v1.0/tasks/1", headers=other).status_code == 404
    wrong = basic("miguel", "wrong-password")
    assert client.get("/todo/api/v1.0/tasks", headers=wrong).status_code == 401
