"""Property-based run of schemathesis against the app's own OpenAPI document, at full strength.

Every documented operation gets generated requests over HTTP, sent to a live server on
SQLite and on PostgreSQL: each test's app served on a loopback port by the HTTP server
``make run`` uses (werkzeug's, a thread per request: tests/integration/live.py,
``wsgi_server``), the document read from its ``/api/v1/openapi.json``. The phases are
the examples, coverage and fuzzing phases with positive and negative data (valid and
invalid requests), ``MAX_EXAMPLES`` per operation; then the stateful phase, a state machine
over the document's OpenAPI links (a created resource's id flows to the operations that
take it), ``SCENARIOS`` sequences of up to ``STEPS`` calls. Every built-in check runs on
every response (all but ``max_response_time``: no timing thresholds in tests).

The bar (docs/reference.md#the-openapi-document): the document is exactly the server. Any
check failure fails the test with the request that caused it: a server error, a valid
request refused (``positive_data_acceptance``), an invalid one accepted, a status or header
the document does not declare, a created resource not found. The counts per check are also
summarised per database at the end of the run (the terminal summary "schemathesis
findings"), with how many valid requests each waiver below excused.

The run is bounded and repeatable: a fixed number of examples, the same inputs on every
run (``derandomize``) and no example database carried between runs.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask, Response, request, request_finished
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.failures import Failure, FailureGroup

from microblog import create_app
from microblog.web.pagination import encode_cursor
from tests.conftest import BACKENDS, Api, add_run_notes, basic, bearer
from tests.integration.live import wsgi_server

DOC_URL = "/api/v1/openapi.json"
MAX_EXAMPLES = 100
SCENARIOS = 100
STEPS = 8

# schemathesis' defaults for the two data checks, with 412 added (below), and 422 for valid
# data: an Idempotency-Key reused with another body (the examples share keys) is state.
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429", "5xx"]
NEGATIVE_EXPECTED = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422"]
NEGATIVE_EXPECTED += ["428", "429", "5xx"]
#: The statuses added to those defaults, by the data they answer, as the summary counts them.
STATUS_WAIVERS = {
    (True, 412): "412 to valid data (a stale If-Match)",
    (True, 422): "422 to valid data (an Idempotency-Key reused with another body)",
    (False, 412): "412 to invalid data (a stale If-Match)",
}

# Explicit, so that no schemathesis.toml lying around changes the run. Credentials are
# supplied by the test (below) rather than generated: a generated request that drops or
# mangles ``Authorization`` would have it put back. Refusing missing credentials is
# checked anyway (``ignored_auth``), and garbage ones by test_bad_input.py.
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "with-security-parameters": False,
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
        },
        # A generated If-Match is a well-formed tag that (almost always) no longer matches:
        # 412 is the declared answer to a stale precondition, not a verdict on the data, so
        # it counts as neither accepting nor refusing it; every other expectation is the
        # checks' own.
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {"expected-statuses": POSITIVE_EXPECTED},
            "negative_data_rejection": {"expected-statuses": NEGATIVE_EXPECTED},
        },
        "phases": {
            "examples": {"enabled": True, "fill-missing": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True, "max-steps": STEPS},
        },
    }
)


#: Cursors are signed with the app's secret key: the document's app and every app under
#: test share this one, so that a cursor minted for an example is valid in every test.
SECRET_KEY = "schemathesis-cursor-signing-key-0123456789abcdef"
DOCUMENT_APP = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": SECRET_KEY})


def load_schema(base: str) -> Any:
    """The document as the server at ``base`` serves it."""
    return schemathesis.openapi.from_url(base + DOC_URL, config=CONFIG)


def mint_cursor(position: int) -> str:
    """A cursor the server issued (``format: cursor``): only those are valid."""
    with DOCUMENT_APP.app_context():
        return encode_cursor(datetime(2020, 1, 1) + timedelta(minutes=position), position)


schemathesis.openapi.format("cursor", st.integers(1, 10_000).map(mint_cursor))
# Loaded at collection, so that schemathesis can make one test per operation. The document
# does not depend on the database: it is read from an app of its own, served for as long
# as it takes, and each test sends its requests to its own live server (``base_url``).
with wsgi_server(DOCUMENT_APP) as document_server:
    schema = load_schema(document_server)


@pytest.fixture(autouse=True)
def cursor_key(app: Flask) -> None:
    app.config["SECRET_KEY"] = SECRET_KEY


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The test's app (its database emptied afterwards) behind a live HTTP server."""
    with wsgi_server(app) as base:
        yield base


class Findings:
    """What the runs on one database found: the requests checked, the valid ones refused
    by a rule no schema states (per waiver, below), and the check failures per check with
    the first few examples."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self.requests = 0
        self.excused = 0
        self.waived: Counter[str] = Counter()

    def record(self, failure: Failure, case: schemathesis.Case, status: int) -> None:
        name = "/".join(type(failure).checks) or type(failure).__name__
        self.counts[name] += 1
        examples = self.examples.setdefault(name, [])
        # One example per operation, so that the three shown say different things.
        if len(examples) < 3 and not any(
            e.startswith(case.operation.label + " ") for e in examples
        ):
            examples.append(f"{case.operation.label} -> {status}: {failure.title}")

    def lines(self, database: str) -> Iterator[str]:
        total = sum(self.counts.values())
        yield (
            f"{database}: {self.requests} requests; {self.excused} valid ones refused by a "
            f"rule no schema states; {total} check failures by check:"
        )
        for name, count in self.counts.most_common():
            yield f"  {name}: {count}"
            for example in self.examples[name]:
                yield f"      e.g. {example}"
        yield "  waivers used (the requests each one excused):"
        for waiver in WAIVERS:
            yield f"    {self.waived[waiver]:>5}  {waiver}"


FINDINGS = {backend: Findings() for backend in BACKENDS}


@pytest.fixture(scope="module", autouse=True)
def findings_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    lines = [
        line
        for backend, findings in FINDINGS.items()
        if findings.requests
        for line in findings.lines(backend)
    ]
    if lines:
        add_run_notes(request.config, "schemathesis findings", lines)


@pytest.fixture
def server_errors(app: Flask) -> Iterator[list[str]]:
    """Every 5xx the app sends while the test runs: to generated requests and to the
    probes some checks send on their own (``ignored_auth``, ``use_after_free``, …)."""
    errors: list[str] = []

    def record(sender: Flask, response: Response, **extra: Any) -> None:
        if response.status_code >= 500:
            errors.append(f"{response.status} to {request.method} {request.full_path}")

    with request_finished.connected_to(record, app):
        yield errors


#: The rules a schema cannot state (docs/reference.md#the-openapi-document) that generated
#: requests meet: a valid request refused with exactly one of these is not a document
#: error. Anything else is. Each one excuses some requests of every run (the summary
#: counts them): one that no longer matches anything goes.
RULES_NO_SCHEMA_STATES = {
    "You cannot follow yourself.",  # the path id is the caller's
}
FIELD_RULES_NO_SCHEMA_STATES = {
    ("page", "page/per_page cannot be combined with cursor/limit."),
    ("sort", "Keyset pages are ordered by -created_at."),
    ("cursor", "Invalid or tampered cursor."),  # signed: the coverage phase makes its own
    ("refresh_token", "Invalid or expired refresh token."),  # issued by the server only
}


#: Each waiver by name, as the summary counts them.
WAIVERS = [
    *sorted(RULES_NO_SCHEMA_STATES),
    *(f"{field}: {message}" for field, message in sorted(FIELD_RULES_NO_SCHEMA_STATES)),
    *STATUS_WAIVERS.values(),
]


def waivers_for(failure: Failure, response: Any) -> list[str]:
    """The waivers that excuse ``failure`` (a valid request refused by rules no schema
    states, and by nothing else), or none."""
    if "positive_data_acceptance" not in type(failure).checks or response.status_code != 400:
        return []
    body = response.json()
    if body.get("message") in RULES_NO_SCHEMA_STATES:
        return [body["message"]]
    errors = body.get("errors") or {}
    refusals = {(field, message) for field, messages in errors.items() for message in messages}
    if not refusals or not refusals <= FIELD_RULES_NO_SCHEMA_STATES:
        return []
    return [f"{field}: {message}" for field, message in sorted(refusals)]


def validate(
    response: Any,
    case: schemathesis.Case,
    check: Any,
    server_errors: list[str],
    findings: Findings,
) -> None:
    """Run every check (``check`` calls ``validate_response``), record what fails, and
    fail with the request: a server error is also added to ``server_errors``."""
    findings.requests += 1
    if case.meta is not None:
        mode = case.meta.generation.mode
        status_waiver = STATUS_WAIVERS.get((mode.is_positive, response.status_code))
        if status_waiver:
            findings.waived[status_waiver] += 1
    failures: list[Failure] = []
    try:
        check()
    except FailureGroup as group:
        failures.extend(group.exceptions)
    except Failure as failure:
        failures.append(failure)
    kept = []
    for failure in failures:
        waivers = waivers_for(failure, response)
        findings.waived.update(waivers)
        if not waivers:
            kept.append(failure)
    findings.excused += len(failures) - len(kept)
    failures = kept
    for failure in failures:
        findings.record(failure, case, response.status_code)
    if response.status_code >= 500:
        server_errors.append(
            f"{response.status_code} from {case.operation.label}:\n{case.as_curl_command()}"
            f"\n{response.text[:500]}"
        )
    assert not failures, "\n".join(
        [f"{case.operation.label} -> {response.status_code}: {case.as_curl_command()}"]
        + [f"  {'/'.join(type(f).checks) or type(f).__name__}: {f.title}" for f in failures]
        + [f"  body: {response.text[:300]}"]
    )


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
        if schemes & {"bearerAuth", "opaqueToken"}:  # self.token is an opaque token
            return bearer(self.token)
        if "basicAuth" in schemes:
            return basic(self.user["username"], self.user["password"])
        return {}


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The app and its database are made once per operation and shared by its examples.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_document(
    case: schemathesis.Case,
    app: Flask,
    client: FlaskClient,
    live: str,
    backend: str,
    server_errors: list[str],
) -> None:
    # Test users are made through the test client: setting up, not under test.
    credentials = getattr(app, "_fuzz_credentials", None) or Credentials(client)
    app._fuzz_credentials = credentials  # type: ignore[attr-defined]
    headers = credentials.headers_for(case)
    response = case.call(base_url=live, headers=headers)
    # The checks that send probes of their own (``ignored_auth``, ``use_after_free``, …)
    # send them to the server this request went to: this test's, not the document's.
    validate(
        response,
        case,
        lambda: case.validate_response(response, headers=headers),
        server_errors,
        FINDINGS[backend],
    )
    assert not server_errors, "\n\n".join(server_errors)


def test_stateful_sequences_never_get_a_server_error(
    client: FlaskClient, live: str, backend: str, server_errors: list[str]
) -> None:
    stateful = load_schema(live)
    workflow = stateful.as_state_machine()
    # The document's links (201 responses → the operations taking the created id).
    assert stateful.statistic.transitions.total > 0, "no links to follow"
    credentials = Credentials(client)
    scenarios = 0

    class Workflow(workflow):  # type: ignore[misc, valid-type]
        headers: dict[str, str] = {}

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": live}

        def call(self, case: schemathesis.Case, **kwargs: Any) -> Any:
            # Credentials are sent as request headers, not transport arguments, so that
            # ``ignored_auth`` can send its probes without them.
            self.headers = credentials.headers_for(case)
            return case.call(headers=self.headers, **kwargs)

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            validate(
                response,
                case,
                lambda: case.validate_response(
                    response, headers=self.headers, transport_kwargs=kwargs, recorder=self.recorder
                ),
                server_errors,
                FINDINGS[backend],
            )

        def teardown(self) -> None:
            nonlocal scenarios
            scenarios += 1
            super().teardown()

    # Scenarios share one database (state builds up, as in production), so Hypothesis
    # cannot replay one exactly: only its generate phase runs (no shrinking; a server
    # error is reported with its request instead), and a replay that finds the database
    # changed (``Flaky``) moves on to the next seed, as schemathesis' own runner does.
    for attempt in range(10):
        if scenarios >= SCENARIOS:
            break
        with contextlib.suppress(hypothesis.errors.Flaky):
            hypothesis.seed(attempt)(Workflow).run(
                settings=hypothesis.settings(
                    max_examples=SCENARIOS - scenarios,
                    stateful_step_count=STEPS,
                    phases=[hypothesis.Phase.generate],
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
    assert not server_errors, "\n\n".join(server_errors)
    assert scenarios >= SCENARIOS
