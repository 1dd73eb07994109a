"""Operations endpoints and the OpenAPI document.

/healthz stays exempt from rate limits: it answers a constant without touching the
database or anything secret, so counting a request costs about as much as answering it, and
a liveness probe refused with 429 (by a budget shared with other clients behind the same
address) would get a healthy process restarted. /readyz (a database round trip) and
/metrics (every route's counters) are counted under the default budget, and shown in full
only to operators (:func:`is_operator`)."""

from __future__ import annotations

import hmac
import ipaddress

import orjson
from flask import Request, Response, current_app, request
from flask_openapi3 import OpenAPI

from microblog.errors import Forbidden, Unauthorized
from microblog.telemetry import observability
from microblog.web.api import docs
from microblog.web.errors import error_response
from microblog.web.routes import document
from microblog.web.spec import exempt

METRICS_REALM = "metrics"


def is_loopback(req: Request) -> bool:
    """Whether the client address (the forwarded one behind ``TRUSTED_PROXIES``) is
    loopback: a process on this machine or in this container."""
    try:
        address = ipaddress.ip_address(req.remote_addr or "")
    except ValueError:  # a Unix socket, or no address at all
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def has_metrics_token(req: Request) -> bool:
    """``Authorization: Bearer <METRICS_TOKEN>``, compared in constant time."""
    token: str | None = current_app.config["METRICS_TOKEN"]
    auth = req.authorization
    if not token or auth is None or auth.type != "bearer" or not auth.token:
        return False
    return hmac.compare_digest(auth.token.encode(), token.encode())


def is_operator(req: Request) -> bool:
    """The METRICS_TOKEN's holder, or, when no token is configured, a loopback client."""
    if current_app.config["METRICS_TOKEN"]:
        return has_metrics_token(req)
    return is_loopback(req)


def register(app: OpenAPI) -> None:
    app.register_blueprint(docs.bp)

    @app.get("/healthz", doc_ui=False)
    @exempt
    def healthz() -> Response:
        return Response(orjson.dumps({"status": "ok"}), mimetype="application/json")

    @app.get("/readyz", doc_ui=False)
    def readyz() -> Response:
        # The failing check's name for operators (and loopback probes); others learn
        # only ready or not.
        detailed = is_loopback(request) or has_metrics_token(request)
        ready = observability.readiness(app)
        if ready.failures:
            if not detailed:
                return error_response(503, "Not ready.")
            return error_response(
                503,
                f"Not ready: {', '.join(sorted(ready.failures))} unavailable.",
                errors={name: [failure] for name, failure in ready.failures.items()},
            )
        body: dict[str, object] = {"status": "ok"}
        if detailed:
            body["checks"] = dict.fromkeys(ready.checks, "ok")
        return Response(orjson.dumps(body), mimetype="application/json")

    @app.get("/metrics", doc_ui=False)
    def metrics() -> Response:
        if not is_operator(request):
            if app.config["METRICS_TOKEN"]:
                raise Unauthorized(
                    "Metrics need Authorization: Bearer <METRICS_TOKEN>.", realm=METRICS_REALM
                )
            raise Forbidden("Metrics are served to loopback clients only (or set METRICS_TOKEN).")
        return observability.metrics()

    spec_bytes: list[bytes] = []

    @app.get("/api/v1/openapi.json", doc_ui=False)
    def openapi_document() -> Response:
        if not spec_bytes:
            spec_bytes.append(orjson.dumps(document(app)))
        return Response(spec_bytes[0], mimetype="application/json")
