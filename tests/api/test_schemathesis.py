"""Property-based run of schemathesis against the app's own OpenAPI document.

Every documented operation gets generated requests over WSGI (schemathesis' examples,
coverage and fuzzing phases, valid and invalid data) with live credentials, on SQLite
and on PostgreSQL. Each response must not be a 500 and must conform to the document:
documented status code and content type, headers, body schema; invalid data must be
rejected; protected operations must refuse anonymous calls.

The run is bounded and repeatable: a fixed number of examples per operation, the same
inputs on every run (``derandomize``) and no example database carried between runs.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from microblog import create_app
from tests.conftest import Api, basic, bearer

DOC_URL = "/api/v1/openapi.json"

# Explicit, so that no schemathesis.toml lying around changes the run. Credentials are
# supplied by the test (below) rather than generated: a generated request that drops or
# mangles ``Authorization`` would have it put back. Refusing missing credentials is
# checked anyway (``ignored_auth``), and garbage ones by test_bad_input.py.
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})

# The document does not depend on the database: load it once, at collection, so that
# schemathesis can make one test per operation. Requests go to each test's own app.
schema = schemathesis.openapi.from_wsgi(
    DOC_URL, create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}), config=CONFIG
)

#: Business rules a JSON Schema cannot state, so schema-valid requests that the API
#: rightly refuses with 400: following yourself, page/per_page mixed with cursor/limit,
#: a forged cursor, an email on a special-use domain (``x@y.test``). The check that
#: expects every schema-valid request to be accepted is therefore not run.
EXCLUDED_CHECKS = [positive_data_acceptance]


class Credentials:
    """A user with a live token. Generated requests may delete the user, rename it or
    revoke the token; a new user and token are made whenever the token stops working."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.api = Api(client)
        self.user: dict[str, Any] = {}
        self.token = ""
        self.renew()

    def renew(self) -> None:
        self.user = self.api.register(f"fuzzer{self.api.counter}")
        self.token = self.api.token(self.user)

    def headers_for(self, case: schemathesis.Case) -> dict[str, str]:
        if self.client.get("/api/v1/me", headers=bearer(self.token)).status_code != 200:
            self.renew()
        security = case.operation.definition.raw.get("security", [])
        schemes = {name for requirement in security for name in requirement}
        if "bearerAuth" in schemes:
            return bearer(self.token)
        if "basicAuth" in schemes:
            return basic(self.user["username"], self.user["password"])
        return {}


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    # The app and its database are made once per operation and shared by its examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_document(
    case: schemathesis.Case, app: Flask, client: FlaskClient
) -> None:
    credentials = getattr(app, "_fuzz_credentials", None) or Credentials(client)
    app._fuzz_credentials = credentials  # type: ignore[attr-defined]
    case.call_and_validate(
        app=app, headers=credentials.headers_for(case), excluded_checks=EXCLUDED_CHECKS
    )
