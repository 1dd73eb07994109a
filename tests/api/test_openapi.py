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

from tests.conftest import Api, basic, bearer

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


def test_opaque_token_scheme_says_what_it_takes(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["opaqueToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "mbt_" in scheme["description"]


def test_security_requirements_name_defined_schemes(spec: dict[str, Any]) -> None:
    schemes = set(spec["components"]["securitySchemes"])
    for path, method, operation in operations(spec):
        for requirement in operation.get("security", []):
            assert set(requirement) <= schemes, (method, path)


@pytest.mark.parametrize(
    ("path", "method", "schemes"),
    [
        ("/api/v1/tokens", "post", [{"basicAuth": []}]),
        # The guard takes any Bearer credential, the handler an opaque token only.
        ("/api/v1/tokens", "delete", [{"opaqueToken": []}]),
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
        # No body taken, but one sent is checked: too large (413), not JSON (415).
        (
            "/api/v1/posts/{post_id}",
            "delete",
            {*ALWAYS, "401", "403", "404", "412", "413", "415", "429"},
        ),
        ("/api/v1/tokens", "post", {*ALWAYS, "401", "413", "415", "429"}),
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
    # Both registrations lead to everything that takes a user id, follows included.
    for path in ("/api/v1/users", "/api/v1/auth/register"):
        user_links = spec["paths"][path]["post"]["responses"]["201"]["links"]
        assert {"unfollowUser", "isFollowing", "listFollowed", "followUser"} <= set(user_links)
    legacy = spec["paths"]["/todo/api/v1.0/tasks"]["post"]["responses"]["201"]["links"]
    assert {"todoGetTask", "todoUpdateTask", "todoDeleteTask", "getTask"} <= set(legacy)


def test_links_name_operations_and_their_parameters(spec: dict[str, Any]) -> None:
    by_id = {operation["operationId"]: operation for _, _, operation in operations(spec)}
    followed = 0
    for _, _, operation in operations(spec):
        for response in operation["responses"].values():
            for name, link in response.get("links", {}).items():
                target = by_id[link["operationId"]]
                taken = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
                assert set(link["parameters"]) == taken, name
                followed += 1
    assert followed > 30


def link_value(expression: str, body: dict[str, Any]) -> str:
    """``$response.body#/a/b``, with schemathesis' ``#regex:`` extractor if there is one."""
    source, _, pattern = expression.partition("#regex:")
    value: Any = body
    for key in source.removeprefix("$response.body#/").split("/"):
        value = value[key]
    if not pattern:
        return str(value)
    match = re.search(pattern, value)
    assert match is not None, (pattern, value)
    return match.group(1)


def test_the_legacy_task_link_finds_the_created_task(
    spec: dict[str, Any], client: FlaskClient, api: Api
) -> None:
    """A 2013 task has no id field: its link reads the id out of ``task.uri``."""
    _, headers = api.login()
    for title in ("Decoy", "Milk"):  # the task wanted is not the first one
        created = client.post("/todo/api/v1.0/tasks", json={"title": title}, headers=headers)
        assert created.status_code == 201
    responses = spec["paths"]["/todo/api/v1.0/tasks"]["post"]["responses"]
    for name, link in responses["201"]["links"].items():
        task_id = link_value(link["parameters"]["task_id"], created.get_json())
        legacy = client.get(f"/todo/api/v1.0/tasks/{task_id}", headers=headers)
        assert legacy.get_json() == created.get_json(), name
        assert (
            client.get(f"/api/v1/tasks/{task_id}", headers=headers).get_json()["title"] == "Milk"
        )


def test_every_schema_has_a_description_and_an_example(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert len(schemas) > 30
    assert [name for name, schema in schemas.items() if not schema.get("description")] == []
    assert [name for name, schema in schemas.items() if "example" not in schema] == []


def test_every_property_is_described(spec: dict[str, Any]) -> None:
    properties = [
        (f"{name}.{field}", value)
        for name, schema in spec["components"]["schemas"].items()
        for field, value in schema.get("properties", {}).items()
    ]
    assert len(properties) > 100
    assert [field for field, value in properties if not value.get("description")] == []


def test_every_parameter_has_a_description_and_an_example(spec: dict[str, Any]) -> None:
    parameters = [
        (f"{method} {path} {parameter['in']} {parameter['name']}", parameter)
        for path, method, operation in operations(spec)
        for parameter in operation.get("parameters", [])
    ]
    assert any(p["in"] == "query" for _, p in parameters)
    assert [name for name, p in parameters if not p.get("description")] == []
    assert [name for name, p in parameters if "example" not in p] == []


def test_per_page_says_its_default_and_its_cap(app: Flask, spec: dict[str, Any]) -> None:
    default, cap = app.config["PER_PAGE_DEFAULT"], app.config["PER_PAGE_MAX"]
    said = f"default {default}, values above {cap} are treated as {cap}"
    sizes = [
        parameter["description"]
        for _, _, operation in operations(spec)
        for parameter in operation.get("parameters", [])
        if parameter["name"] in ("per_page", "limit")
    ]
    assert len(sizes) > 10
    assert all(said in description for description in sizes)


def test_reads_declare_their_cache_headers(
    spec: dict[str, Any], client: FlaskClient, api: Api
) -> None:
    """Cache-Control and Vary are declared, with the values they take, where they are sent."""
    _, headers = api.login()
    answers = [
        ("/api/v1/users", client.get("/api/v1/users")),
        ("/api/v1/me", client.get("/api/v1/me", headers=headers)),
    ]
    etag = answers[0][1].headers["ETag"]
    answers.append(("/api/v1/users", client.get("/api/v1/users", headers={"If-None-Match": etag})))
    for path, answer in answers:
        declared = spec["paths"][path]["get"]["responses"][str(answer.status_code)]["headers"]
        assert answer.headers["Vary"] == "Authorization"
        assert "Vary" in declared
        assert answer.headers["Cache-Control"] in declared["Cache-Control"]["schema"]["enum"]
    assert {answer.status_code for _, answer in answers} == {200, 304}


def test_answers_to_credentials_declare_cache_control(
    spec: dict[str, Any], client: FlaskClient, api: Api
) -> None:
    _, headers = api.login()
    answers = [
        (
            "/api/v1/posts",
            "post",
            client.post("/api/v1/posts", json={"body": "x"}, headers=headers),
        ),
        ("/api/v1/posts/{post_id}", "get", client.get("/api/v1/posts/99", headers=headers)),
        ("/api/v1/feed", "get", client.get("/api/v1/feed?limit=0", headers=headers)),
    ]
    assert [answer.status_code for _, _, answer in answers] == [201, 404, 400]
    for path, method, answer in answers:
        responses = spec["paths"][path][method]["responses"]
        declared = responses[str(answer.status_code)]["headers"]["Cache-Control"]
        assert answer.headers["Cache-Control"] == "private"
        assert declared["schema"]["enum"] == ["private"]


def credentials_for(operation: dict[str, Any], user: dict[str, Any], token: str) -> dict[str, str]:
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    if "basicAuth" in schemes and not schemes & {"bearerAuth", "opaqueToken"}:
        return basic(user["username"], user["password"])
    if schemes - {"refreshToken"}:
        return bearer(token)
    return {}


def test_413_and_415_are_declared_exactly_where_answered(
    app: Flask, client: FlaskClient, api: Api, spec: dict[str, Any]
) -> None:
    """Each operation is sent a body too large and a body that is not JSON, with its
    credentials, to existing objects: it declares 413 and 415 if and only if it answers them
    (a body is checked on every method that may have one, taken or not)."""
    user, headers = api.login()
    other = api.register()
    token = headers["Authorization"].removeprefix("Bearer ")
    made = [
        client.post("/api/v1/posts", json={"body": "x"}, headers=headers),
        client.post("/api/v1/tasks", json={"title": "x"}, headers=headers),
        client.post("/api/v1/me/api-keys", json={"name": "x"}, headers=headers),
    ]
    ids = {"user_id": other["id"]}
    ids.update(
        zip(("post_id", "task_id", "key_id"), (r.get_json()["id"] for r in made), strict=True)
    )
    too_large = b'{"a": "' + b"x" * app.config["MAX_CONTENT_LENGTH"] + b'"}'
    for path, method, operation in operations(spec):
        url = path.format(**ids)
        sent = credentials_for(operation, user, token)
        large = client.open(
            url, method=method, data=too_large, content_type="application/json", headers=sent
        )
        text = client.open(url, method=method, data="hi", content_type="text/plain", headers=sent)
        answered = {str(large.status_code), str(text.status_code)} & {"413", "415"}
        declared = set(operation["responses"]) & {"413", "415"}
        assert answered == declared, (method, path, large.status_code, text.status_code)


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
