"""The OpenAPI document: valid OpenAPI 3.1, complete, and honest about errors and auth."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

DOC_URL = "/api/v1/openapi.json"
METHODS = {"get", "put", "post", "delete", "patch"}
#: Error statuses every operation may answer (docs/reference.md#errors); the others are
#: listed where the declaration implies them (web/routes.py ``error_statuses``).
ALWAYS = {"400", "406", "414", "500", "503"}
ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get(DOC_URL)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    document: dict[str, Any] = response.get_json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def openapi_path(rule: str) -> str:
    """``/api/v1/users/<id:user_id>`` → ``/api/v1/users/{user_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def api_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != DOC_URL
        if not rule.rule.startswith(("/api/v1/docs", "/api/v1/redoc"))
        for method in rule.methods or ()
        if method.lower() in METHODS
    }


def test_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1.")
    validate(spec, cls=OpenAPIV31SpecValidator)
    validate(spec)  # and by version detection


def test_document_is_self_contained(client: FlaskClient) -> None:
    """Served with no internet access: every reference points inside the document."""
    text = client.get(DOC_URL).get_data(as_text=True)
    refs = re.findall(r'"\$ref":"([^"]*)"', text.replace(": ", ":"))
    assert refs
    assert all(ref.startswith("#/") for ref in refs)


def test_every_api_route_is_documented(app: Flask, spec: dict[str, Any]) -> None:
    routes = api_routes(app)
    assert ("/api/v1/users", "post") in routes  # the route table was read
    documented = {(path, method) for path, method, _ in operations(spec)}
    assert routes - documented == set()


def test_every_documented_operation_exists(app: Flask, spec: dict[str, Any]) -> None:
    api_ops = {(p, m) for p, m, _ in operations(spec) if p.startswith("/api/v1/")}
    assert api_ops - api_routes(app) == set()


def test_path_parameters_are_declared(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{([^}]+)}", path)), (method, path)


def test_operation_ids_are_unique(spec: dict[str, Any]) -> None:
    ids = [operation.get("operationId") for _, _, operation in operations(spec)]
    assert None not in ids
    assert len(ids) == len(set(ids))


# A Bearer credential (opaque token, JWT or API key) or an API key in X-API-Key.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"apiKeyAuth": []}]


def test_security_schemes_are_present(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["basicAuth"] == {"type": "http", "scheme": "basic"}
    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["apiKeyAuth"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}


def test_security_requirements_name_defined_schemes(spec: dict[str, Any]) -> None:
    schemes = set(spec["components"]["securitySchemes"])
    for path, method, operation in operations(spec):
        for requirement in operation.get("security", []):
            assert set(requirement) <= schemes, (method, path)


@pytest.mark.parametrize(
    ("path", "method", "schemes"),
    [
        ("/api/v1/tokens", "post", [{"basicAuth": []}]),
        ("/api/v1/tokens", "delete", BEARER),
        ("/api/v1/me", "get", BEARER),
        ("/api/v1/users/{user_id}", "patch", BEARER),
        ("/api/v1/users/{user_id}", "put", BEARER),
        ("/api/v1/users/{user_id}", "delete", BEARER),
        # Optional auth: anonymous ({}) or Bearer.
        ("/api/v1/users", "get", [*BEARER, {}]),
        ("/api/v1/users/{user_id}", "get", [*BEARER, {}]),
    ],
)
def test_protected_operations_declare_their_credentials(
    spec: dict[str, Any], path: str, method: str, schemes: list[dict[str, list[str]]]
) -> None:
    assert spec["paths"][path][method]["security"] == schemes


def test_registration_needs_no_credentials(spec: dict[str, Any]) -> None:
    operation = spec["paths"]["/api/v1/users"]["post"]
    assert operation.get("security", spec.get("security", [])) in ([], [{}])


def test_every_operation_documents_a_success_and_the_error_body(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (method, path)
        assert set(responses) >= ALWAYS, (method, path)
        for status, response in responses.items():
            if int(status) < 400:
                continue
            # The error body is one object (docs/reference.md#errors), as JSON or problem+json.
            content = response["content"]
            assert set(content) == {"application/json", "application/problem+json"}
            for media in content.values():
                assert media["schema"] == {"$ref": ERROR_REF}, (method, path, status)


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        # Public, no path parameter, a body, a uniqueness rule, rate limited.
        ("/api/v1/users", "post", {*ALWAYS, "409", "413", "415", "429"}),
        ("/api/v1/me", "get", {*ALWAYS, "401", "429"}),
        ("/api/v1/posts", "post", {*ALWAYS, "401", "409", "413", "415", "422", "429"}),
        ("/api/v1/posts/{post_id}", "delete", {*ALWAYS, "401", "403", "404", "412", "429"}),
    ],
)
def test_operations_list_only_the_errors_they_can_answer(
    spec: dict[str, Any], path: str, method: str, statuses: set[str]
) -> None:
    errors = {code for code in spec["paths"][path][method]["responses"] if int(code) >= 400}
    assert errors == statuses


def test_operation_ids_are_camel_case(spec: dict[str, Any]) -> None:
    for _, _, operation in operations(spec):
        assert re.fullmatch(r"[a-z][A-Za-z]+", operation["operationId"])
    assert spec["paths"]["/api/v1/posts"]["get"]["operationId"] == "listPosts"
    assert spec["paths"]["/api/v1/tokens"]["post"]["operationId"] == "createToken"


def test_every_operation_is_described(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        assert operation.get("summary") and operation.get("description"), (method, path)


def test_refresh_declares_its_bearer_refresh_token(spec: dict[str, Any]) -> None:
    assert spec["paths"]["/api/v1/auth/refresh"]["post"]["security"] == [
        {"refreshToken": []},
        {},
    ]


def test_created_resources_link_to_their_operations(spec: dict[str, Any]) -> None:
    created = spec["paths"]["/api/v1/posts"]["post"]["responses"]["201"]
    assert created["headers"]["Location"]["required"] is True
    assert created["links"]["getPost"]["parameters"] == {"post_id": "$response.body#/id"}


def test_info_names_the_license_and_servers(spec: dict[str, Any]) -> None:
    assert spec["info"]["license"]["identifier"] == "MIT"
    assert spec["info"]["contact"]["name"]
    assert spec["servers"]


def test_error_schema_matches_the_contract(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["ErrorOut"]
    assert set(schema["required"]) == {"error", "message", "request_id"}
    assert set(schema["properties"]) == {"error", "message", "request_id", "errors"}


def test_request_bodies_are_json(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        if "requestBody" in operation:
            assert "application/json" in operation["requestBody"]["content"], (method, path)


COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_served_document_is_the_committed_one(client: FlaskClient) -> None:
    """docs/openapi.json is what clients generate from: `make openapi` rewrites it."""
    served = client.get(DOC_URL).get_json()
    pretty = json.dumps(served, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert COMMITTED.read_text(encoding="utf-8") == pretty, "run `make openapi` and commit"
