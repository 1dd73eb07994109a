"""Operations endpoints and the OpenAPI document."""

from __future__ import annotations

import orjson
from flask import Response
from flask_openapi3 import OpenAPI

from microblog import observability
from microblog.api import docs
from microblog.ratelimit import exempt


def register(app: OpenAPI) -> None:
    app.register_blueprint(docs.bp)

    @app.get("/healthz", doc_ui=False)
    @exempt
    def healthz() -> Response:
        return Response(orjson.dumps({"status": "ok"}), mimetype="application/json")

    @app.get("/readyz", doc_ui=False)
    @exempt
    def readyz() -> Response:
        return observability.readiness(app)

    @app.get("/metrics", doc_ui=False)
    @exempt
    def metrics() -> Response:
        return observability.metrics()

    spec_bytes: list[bytes] = []

    @app.get("/api/v1/openapi.json", doc_ui=False)
    def openapi_document() -> Response:
        if not spec_bytes:
            spec_bytes.append(orjson.dumps(app.api_doc))
        return Response(spec_bytes[0], mimetype="application/json")
