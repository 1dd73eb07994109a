"""Cross-cutting HTTP behaviour: errors, versions, request ids, pagination."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Api


def test_unknown_url_is_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/nope", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 404
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body == {
        "error": "Not Found",
        "message": body["message"],
        "request_id": "abc-123",
    }
    assert response.headers["X-Request-ID"] == "abc-123"


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/v1/users")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert response.get_json()["error"] == "Method Not Allowed"


def test_problem_json_on_request(client: FlaskClient) -> None:
    response = client.get("/api/v1/users/12345", headers={"Accept": "application/problem+json"})
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert body["instance"] == "/api/v1/users/12345"
    assert {"type", "detail", "request_id"} <= set(body)


def test_vendor_media_type_versions(api: Api, client: FlaskClient) -> None:
    alice = api.register("alice")
    ok = client.get(
        f"/api/v1/users/{alice['id']}", headers={"Accept": "application/vnd.microblog.v1+json"}
    )
    assert ok.status_code == 200
    bad = client.get(
        f"/api/v1/users/{alice['id']}", headers={"Accept": "application/vnd.microblog.v9+json"}
    )
    assert bad.status_code == 406
    assert bad.get_json()["error"] == "Not Acceptable"


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_generated_request_id_when_none_sent(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert len(response.headers["X-Request-ID"]) >= 16


def test_unexpected_exception_is_500_without_details(app: Any, client: FlaskClient) -> None:
    @app.get("/boom", doc_ui=False)
    def boom() -> None:
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text
    assert response.get_json()["error"] == "Internal Server Error"


class TestPagination:
    @pytest.fixture
    def users(self, api: Api) -> list[dict[str, Any]]:
        return [api.register(f"user{i:02d}") for i in range(25)]

    def test_defaults_meta_links_and_headers(
        self, client: FlaskClient, users: list[dict[str, Any]]
    ) -> None:
        response = client.get("/api/v1/users?q=user&sort=username")
        body = response.get_json()
        assert len(body["items"]) == 10
        assert body["_meta"] == {"page": 1, "per_page": 10, "total_pages": 3, "total_items": 25}
        links = body["_links"]
        assert links["prev"] is None
        assert links["next"] == "/api/v1/users?q=user&sort=username&page=2&per_page=10"
        assert response.headers["X-Total-Count"] == "25"
        assert "<" + links["next"] + '>; rel="next"' in response.headers["Link"]

    def test_walk_all_pages(self, client: FlaskClient, users: list[dict[str, Any]]) -> None:
        seen: list[int] = []
        url: str | None = "/api/v1/users?per_page=7"
        while url:
            body = client.get(url).get_json()
            seen += [u["id"] for u in body["items"]]
            url = body["_links"]["next"]
        assert seen == sorted(u["id"] for u in users)

    def test_per_page_clamped_to_100(self, client: FlaskClient, users: Any) -> None:
        body = client.get("/api/v1/users?per_page=1000").get_json()
        assert body["_meta"]["per_page"] == 100
        assert len(body["items"]) == 25

    def test_page_past_the_end_is_empty(self, client: FlaskClient, users: Any) -> None:
        response = client.get("/api/v1/users?page=99")
        assert response.status_code == 200
        body = response.get_json()
        assert body["items"] == [] and body["_links"]["next"] is None
        huge = client.get(f"/api/v1/users?page={2**31 - 1}")
        assert huge.status_code == 200 and huge.get_json()["items"] == []

    @pytest.mark.parametrize(
        "query",
        ["page=0", "page=1.5", "page=abc", "per_page=0", "per_page=-1", "page=", "per_page=1e3"],
    )
    def test_bad_values_are_400(self, client: FlaskClient, query: str) -> None:
        response = client.get(f"/api/v1/users?{query}")
        assert response.status_code == 400
        field = query.split("=")[0]
        assert field in response.get_json()["errors"]
