"""URLs longer than MAX_URL_LENGTH get the API's 414, in its error shape, on every route
(docs/reference.md#url-length); the limit sits below what gunicorn and nginx let through."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.test_bad_input import assert_error
from tests.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
#: The longest request line around a URL: ``OPTIONS <url> HTTP/1.1``.
REQUEST_LINE_OVERHEAD = len("OPTIONS  HTTP/1.1")


def padded(url: str, length: int) -> str:
    """``url`` with an ignored query parameter that makes it ``length`` bytes long."""
    start = url + ("&" if "?" in url else "?") + "pad="
    assert len(start) <= length
    return start + "x" * (length - len(start))


@pytest.fixture
def limit(app: Flask) -> int:
    value: int = app.config["MAX_URL_LENGTH"]
    return value


def assert_414(response: TestResponse, limit: int) -> None:
    body = assert_error(response, 414)
    assert body["error"] == "Request URI Too Long"
    assert f"limit of {limit} bytes" in body["message"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/users", 200),
        ("/api/users", 200),  # the unversioned alias: the URL as sent counts
        ("/api/v1/posts?per_page=5", 200),
        ("/api/v1/no-such-thing", 404),
    ],
)
def test_a_url_at_the_limit_is_served(
    client: FlaskClient, limit: int, url: str, status: int
) -> None:
    assert client.get(padded(url, limit)).status_code == status


@pytest.mark.parametrize(
    "url", ["/api/v1/users", "/api/users", "/api/v1/posts?per_page=5", "/api/v1/no-such-thing"]
)
def test_a_url_one_byte_over_the_limit_is_414(client: FlaskClient, limit: int, url: str) -> None:
    assert_414(client.get(padded(url, limit + 1)), limit)


def test_a_write_at_the_limit_is_served_and_over_it_is_414(
    client: FlaskClient, api: Api, limit: int
) -> None:
    _, headers = api.login()
    task = {"title": "Milk"}
    served = client.post(padded("/api/v1/tasks", limit), json=task, headers=headers)
    assert served.status_code == 201
    refused = client.post(padded("/api/v1/tasks", limit + 1), json=task, headers=headers)
    assert_414(refused, limit)
    assert client.get("/api/v1/tasks", headers=headers).get_json()["_meta"]["total_items"] == 1


def test_414_comes_before_credentials_and_bodies(client: FlaskClient, limit: int) -> None:
    long_url = padded("/api/v1/me", limit + 1)
    assert_414(client.get(long_url), limit)
    assert_414(client.post(long_url, data="x", content_type="text/plain"), limit)


def test_414_as_problem_json(client: FlaskClient, limit: int) -> None:
    response = client.get(
        padded("/api/v1/users", limit + 1), headers={"Accept": "application/problem+json"}
    )
    assert response.status_code == 414
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert (problem["status"], problem["title"]) == (414, "Request URI Too Long")


def test_the_url_is_measured_as_sent(client: FlaskClient, limit: int) -> None:
    """Percent-encoded bytes count as sent (three each), as gunicorn and nginx count them."""
    encoded = "/api/v1/users?pad=" + "%41" * (limit // 3)
    assert len(encoded) > limit
    assert_414(client.get(encoded), limit)


def gunicorn_request_line_limit() -> int:
    tree = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "limit_request_line" for t in node.targets
        ):
            assert isinstance(node.value, ast.Constant)
            return int(node.value.value)
    return 4094  # gunicorn's default


def nginx_request_line_limit() -> int:
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    match = re.search(r"^\s*large_client_header_buffers\s+\d+\s+(\d+)([kK]?);", text, re.M)
    if match is None:
        return 8 * 1024  # nginx's default: 4 8k
    return int(match.group(1)) * (1024 if match.group(2) else 1)


def test_the_servers_in_front_let_longer_urls_through(limit: int) -> None:
    """So that a URL over the limit reaches the app, which answers JSON, rather than the
    server in front, which answers its own page (docs/reference.md#url-length)."""
    longest_line = limit + 1 + REQUEST_LINE_OVERHEAD
    assert longest_line <= gunicorn_request_line_limit() <= 8190
    assert longest_line < nginx_request_line_limit()
