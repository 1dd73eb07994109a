"""Operations endpoints and the OpenAPI document."""

from __future__ import annotations

import orjson
from flask import Response
from flask_openapi3 import OpenAPI


def register(app: OpenAPI) -> None:
    @app.get("/healthz", doc_ui=False)
    def healthz() -> Response:
        return Response(orjson.dumps({"status": "ok"}), mimetype="application/json")

    spec_bytes: list[bytes] = []

    @app.get("/api/v1/openapi.json", doc_ui=False)
    def openapi_document() -> Response:
        if not spec_bytes:
            spec_bytes.append(orjson.dumps(app.api_doc))
        return Response(spec_bytes[0], mimetype="application/json")
