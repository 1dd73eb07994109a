"""Conditional requests (API.md §6): strong ``ETag`` on every successful JSON ``GET``,
``If-None-Match`` → 304, and ``If-Match`` on ``PUT``/``PATCH``/``DELETE`` → 412 when the
client's copy is stale (the lost-update problem).

The ETag is a hash of the representation the caller receives, so it differs between
viewers who see different fields (``Vary: Authorization``). For ``If-Match`` the current
representation is produced by running the resource's own ``GET`` view for the same URL
and caller, so the two can never disagree."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from microblog.auth import has_credentials
from microblog.errors import APIError

WRITE_METHODS = frozenset({"PUT", "PATCH", "DELETE"})


class PreconditionFailed(APIError):
    status_code = 412
    default_message = (
        "The resource has changed since you read it (If-Match does not match its ETag); "
        "GET it again and retry."
    )


def current_etag() -> str | None:
    """The ETag a ``GET`` of this URL would carry for this caller, or None if there is no
    such representation (the write itself will then answer 404/405)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, args = adapter.match(request.path, method="GET")
    except (NotFound, MethodNotAllowed):
        return None
    try:
        view: Any = current_app.view_functions[endpoint]
        response = current_app.make_response(view(**args))
    except APIError:
        return None
    if response.status_code != 200:
        return None
    response.add_etag()
    etag, _ = response.get_etag()
    return etag


def check_if_match() -> None:
    if request.method not in WRITE_METHODS or "If-Match" not in request.headers:
        return
    if_match = request.if_match
    if if_match.star_tag:
        return
    etag = current_etag()
    if etag is None or not if_match.contains(etag):
        raise PreconditionFailed()


def tag_response(response: Response) -> Response:
    if (
        response.status_code == 200
        and response.mimetype == "application/json"
        and not response.direct_passthrough
    ):
        if request.method in ("GET", "HEAD"):
            response.add_etag()
            if "Cache-Control" not in response.headers and not has_credentials():
                # Public representations may be cached but must be revalidated (cheap:
                # If-None-Match → 304).
                response.headers["Cache-Control"] = "no-cache"
            response.vary.add("Authorization")
            had_date = "Date" in response.headers
            response.make_conditional(request)
            if not had_date:
                # make_conditional adds Date, and the HTTP server (gunicorn, Werkzeug) adds
                # its own: two Date fields on the wire. Leave it to the server.
                response.headers.remove("Date")
        elif request.method in ("PUT", "PATCH"):
            response.add_etag()  # the new version, for the client's next If-Match
    return response


def init_app(app: Flask) -> None:
    if app.config["ETAGS_ENABLED"]:
        app.after_request(tag_response)
