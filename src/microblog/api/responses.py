"""Serialising through the response schema, straight to bytes with pydantic-core."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from pydantic import BaseModel


def respond(
    schema: type[BaseModel],
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    model = schema.model_validate(data)
    body = model.__pydantic_serializer__.to_json(model, by_alias=True)
    return Response(body, status=status, headers=headers, mimetype="application/json")


def no_content() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def created(schema: type[BaseModel], data: Any, endpoint: str, **values: Any) -> Response:
    location = url_for(endpoint, _external=True, **values)
    return respond(schema, data, status=201, headers={"Location": location})
