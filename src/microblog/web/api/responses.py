"""Serialising through the response schema, straight to bytes with pydantic-core."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app
from pydantic import BaseModel

from microblog.web.hosts import external_url_for


def respond(
    schema: type[BaseModel],
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Send ``data``, which services build in the shape of ``schema``.

    In production the dict goes straight to orjson: re-validating our own output costs
    ~40% of a 100-item page (docs/architecture.md). With ``VALIDATE_RESPONSES`` on (tests
    and development) every response is also validated by ``schema``, which forbids extra
    fields, and must serialise to exactly what orjson sent, so a service that drifts from
    its schema fails the test suite."""
    body = orjson.dumps(data)
    if current_app.config["VALIDATE_RESPONSES"]:
        model = schema.model_validate(data)
        expected = model.model_dump_json(by_alias=True)
        if orjson.loads(expected) != orjson.loads(body):
            raise ResponseSchemaMismatch(schema.__name__, expected, body)
    return Response(body, status=status, headers=headers, mimetype="application/json")


class ResponseSchemaMismatch(AssertionError):
    def __init__(self, schema: str, expected: str, sent: bytes) -> None:
        super().__init__(
            f"response drifted from {schema}:\n schema: {expected!r}\n sent: {sent!r}"
        )


def no_content() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def created(schema: type[BaseModel], data: Any, endpoint: str, **values: Any) -> Response:
    location = external_url_for(endpoint, **values)
    return respond(schema, data, status=201, headers={"Location": location})
