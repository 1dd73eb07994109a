"""Request plumbing shared by every route: versions, body checks, request ids."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn

import orjson
from flask import Flask, Request, Response
from flask.json.provider import JSONProvider
from flask.sessions import SessionInterface, SessionMixin
from pydantic import ValidationError
from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter

from microblog.errors import (
    BadRequest,
    NotAcceptable,
    UnsupportedMediaType,
    URITooLong,
    ValidationFailed,
)
from microblog.telemetry.requestid import request_id_of
from microblog.web.auth import has_credentials

API_V1 = "/api/v1"
VENDOR_VERSION = re.compile(r"application/vnd\.microblog\.v(\d+)\+json", re.IGNORECASE)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class VersionAlias:
    """WSGI middleware: ``/api/...`` is an alias of the canonical ``/api/v1/...``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path: str = environ.get("PATH_INFO", "")
        if path.startswith("/api/") and not (path == API_V1 or path.startswith(API_V1 + "/")):
            environ["PATH_INFO"] = API_V1 + path[4:]
        return self.app(environ, start_response)


class IdConverter(BaseConverter):
    """Positive 32-bit integer ids; anything else does not match (404).

    The range is in the regex rather than a ``ValidationError`` from ``to_python``: Werkzeug
    records the methods of a rule whose path matched before converting, so a converter
    refusal made ``PUT /users/2147483648`` a 405 where ``GET`` was a 404."""

    regex = (
        r"(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
        r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
        r"|21474836[0-3][0-9]|214748364[0-7])"
    )

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))


class ApiRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise BadRequest("The request body is not valid JSON.")

    @property
    def unproxied(self) -> ApiRequest:
        """This request object itself: ``request.unproxied`` is the object behind Flask's
        ``request`` proxy, for code that reads it many times (pipeline.py)."""
        return self


class OrjsonProvider(JSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        # JSONProvider.response's documented arguments: one value, several (a list), or
        # keywords (an object); none at all is null.
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        obj = args[0] if len(args) == 1 else (args or kwargs or None)
        return Response(
            orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS), mimetype="application/json"
        )


def negotiate_version(req: Request) -> None:
    accept = req.environ.get("HTTP_ACCEPT")
    if not accept or "vnd.microblog" not in accept.lower():
        return
    versions = {match.group(1) for match in VENDOR_VERSION.finditer(accept)}
    if versions and "1" not in versions:
        raise NotAcceptable(
            f"API version(s) {', '.join(sorted(versions))} not supported; this server speaks v1."
        )


def url_length_check(limit: int) -> Callable[[Request], None]:
    """The step that answers ``414`` to a request target (path and query string, as sent)
    longer than ``limit`` bytes (docs/reference.md#url-length), in the API's error shape,
    before the HTTP servers in front (gunicorn, nginx, Werkzeug's) would answer their own."""
    message = f"The URL (path and query string) is longer than the limit of {limit} bytes."

    def check_url_length(req: Request) -> None:
        environ = req.environ
        # The target as the client sent it: gunicorn and Werkzeug say RAW_URI, most other
        # servers REQUEST_URI; the rebuilt one is for a server that says neither.
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or req.full_path
        if len(target) > limit:
            raise URITooLong(message)

    return check_url_length


def check_body(req: Request) -> None:
    """A body must be JSON (415), parse (400) and be an object (400)."""
    if req.method not in BODY_METHODS:
        return
    chunked = "chunked" in req.headers.get("Transfer-Encoding", "").lower()
    if not chunked and not req.content_length:
        return
    if not req.is_json:
        raise UnsupportedMediaType()
    limit = req.max_content_length
    # Werkzeug stops reading a de-chunked body at the limit and drops the rest silently;
    # input left over after that many bytes means the body is too large.
    if chunked and limit is not None and len(req.get_data()) >= limit and req.input_stream.read(1):
        raise RequestEntityTooLarge()
    data = req.get_json()
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")


def has_header(headers: Headers, name: str) -> bool:
    """Whether ``headers`` has ``name`` (any case). ``name in headers`` builds and catches a
    ``BadRequestKeyError`` when the header is absent, ~1 µs a check; this loop does not."""
    wanted = name.lower()
    return any(key.lower() == wanted for key, _ in headers)


def set_response_headers(req: Request, response: Response) -> Response:
    """``X-Request-ID`` on every response; ``Cache-Control: private`` on answers to
    credentials (unless the view chose one)."""
    headers = response.headers
    # Read the WSGI environ directly, and add() rather than []= (which scans every header
    # to replace it): this runs on every response.
    environ = req.environ
    headers.add("X-Request-ID", request_id_of(environ))
    if has_credentials(environ) and not has_header(headers, "Cache-Control"):
        headers.add("Cache-Control", "private")
    return response


FIELD_MESSAGES = {
    "extra_forbidden": "Unknown field.",
    "missing": "Missing data for required field.",
}


def raise_validation_error(exc: ValidationError) -> NoReturn:
    """flask-openapi3's hook: turn pydantic errors into our 400 with ``errors``."""
    errors: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(part) for part in err["loc"])
        if not err["loc"]:  # the body itself (an empty key "" is a field)
            raise BadRequest("A JSON object request body is required.")
        message = FIELD_MESSAGES.get(err["type"], err["msg"])
        errors.setdefault(loc, []).append(message)
    raise ValidationFailed(errors=errors)


class NoCookieSessions(SessionInterface):
    """The API is stateless: no cookie session is read or written on any request."""

    def open_session(self, app: Flask, request: Request) -> SessionMixin:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def init_app(app: Flask) -> None:
    app.request_class = ApiRequest
    app.session_interface = NoCookieSessions()
    app.json = OrjsonProvider(app)
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = False
    app.wsgi_app = VersionAlias(app.wsgi_app)  # type: ignore[method-assign]
    if app.config["TRUSTED_PROXIES"]:
        # X-Forwarded-* are believed only from that many proxies in front of us.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
