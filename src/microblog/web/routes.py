"""One declaration per route (docs/architecture.md#one-declaration-per-route).

A route says once what it takes and what it answers: the credentials it accepts, whether
it is rate limited, whether it honours ``Idempotency-Key``, its response schema and
status, how its result becomes that schema (a mapper from web/representations.py) and
whether it is a collection. The same declaration writes the OpenAPI operation and is
what the request pipeline enforces, so the document and the behaviour cannot disagree.

Handlers return what the service returned: a row or object (mapped with ``represent``),
a :class:`~microblog.data.pages.Page` or :class:`~microblog.data.pages.KeysetPage`
(``represent`` maps each item, then the collection gets its links and headers), or
``None`` for ``204 No Content``. A list endpoint is a declaration and a short handler::

    @posts.get("/posts", response=PostListing, represent=representations.post,
               auth="bearer", optional=True, summary="Published posts")
    def list_posts(query: PostListQuery) -> Page[Row] | KeysetPage[Row]:
        return service.list_posts(pager(query), author=query.author, ...)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import Response
from flask_openapi3 import APIBlueprint, OpenAPI, Tag
from flask_openapi3.utils import parse_header
from pydantic import BaseModel
from werkzeug.http import HTTP_STATUS_CODES

from microblog.data.pages import KeysetPage, Page
from microblog.web.api.responses import no_content, respond
from microblog.web.auth import SECURITY
from microblog.web.hosts import external_url_for
from microblog.web.http import BODY_METHODS
from microblog.web.idempotency import idempotent as honour_idempotency_key
from microblog.web.pagination import collection, keyset_collection
from microblog.web.schemas.common import (
    CreateHeaders,
    HeaderModel,
    IdempotentCreateHeaders,
    ReadHeaders,
    WriteHeaders,
)
from microblog.web.spec import AuthKind, RouteSpec, Throttle, declare

F = TypeVar("F", bound=Callable[..., Any])
Body = dict[str, Any]


def link_to(endpoint: str, arg: str) -> Callable[[Body], str]:
    """A ``Location`` for a created resource: ``endpoint``'s URL with ``arg`` = its id."""
    return lambda body: external_url_for(endpoint, **{arg: body["id"]})


#: Where a created resource's id is: its body's ``id``.
ID_IN_BODY = "$response.body#/id"


def links(
    param: str, *operation_ids: str, source: str = ID_IN_BODY, where: str = "id"
) -> dict[str, dict[str, Any]]:
    """OpenAPI links from a created resource to the operations that take its id: ``source``
    is the runtime expression that reads the id, ``where`` says it in words."""
    return {
        op: {
            "operationId": op,
            "parameters": {param: source},
            "description": f"The created resource's {where} as {param}.",
        }
        for op in operation_ids
    }


class Routes:
    """A group of routes under one URL prefix and OpenAPI tag (a flask-openapi3
    blueprint), declared with :meth:`get`, :meth:`post`, :meth:`put_patch`,
    :meth:`delete`."""

    def __init__(
        self,
        name: str,
        import_name: str,
        url_prefix: str,
        description: str,
        tag_name: str | None = None,
    ) -> None:
        tag = Tag(name=tag_name or name.replace("_", " "), description=description)
        self.bp = APIBlueprint(name, import_name, url_prefix=url_prefix, abp_tags=[tag])

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(("get",), rule, **options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(("post",), rule, **options)

    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(("put",), rule, **options)

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        return self.route(("delete",), rule, **options)

    def put_patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``PUT`` and ``PATCH`` alike: both are partial updates here
        (docs/reference.md#resources)."""
        return self.route(("put", "patch"), rule, **options)

    def route(
        self,
        methods: Iterable[str],
        rule: str,
        *,
        summary: str,
        operation_id: str | dict[str, str],
        description: str,
        response: type[BaseModel] | None = None,
        status: int | None = None,
        represent: Callable[[Any], Body] | None = None,
        auth: AuthKind | None = "bearer",
        optional: bool = False,
        idempotent: bool = False,
        location: Callable[[Body], str] | None = None,
        headers: dict[str, str] | None = None,
        throttle: Throttle = "default",
        permission: bool = False,
        errors: Iterable[int] = (),
        security: list[dict[str, list[str]]] | None = None,
        links: dict[str, dict[str, Any]] | None = None,
    ) -> Callable[[F], F]:
        """Declare a route; ``operation_id`` is one camelCase id, or one per method.
        ``permission``: a permission check may answer 403; ``errors``: statuses the
        handler raises besides those the declaration implies (:func:`error_statuses`);
        ``security``: the document's requirement when the handler, not the guard, reads
        the credential, or accepts fewer kinds than the guard; ``links``: OpenAPI links from
        the success response."""
        methods = tuple(methods)
        code = status or (200 if response is not None else 204)
        if security is None and auth is not None:
            security = SECURITY[auth] + ([{}] if optional else [])
        ids = (
            operation_id
            if isinstance(operation_id, dict)
            else dict.fromkeys(methods, operation_id)
        )

        def decorate(view: F) -> F:
            @wraps(view)
            def handler(**kwargs: Any) -> Response:
                result = view(**kwargs)
                if isinstance(result, Response):
                    return result
                if response is None:
                    return no_content()
                return _render(result, response, code, represent, location, headers)

            endpoint = honour_idempotency_key(handler) if idempotent else handler
            declare(endpoint, RouteSpec(auth, optional, throttle))
            statuses = error_statuses(
                methods,
                rule,
                authenticated=auth is not None or bool(security),
                permission=permission,
                idempotent=idempotent,
                throttled=throttle != "exempt",
                extra=errors,
            )
            for method in methods:
                success = success_response(
                    code, response, method, location is not None, idempotent, headers, links
                )
                responses: dict[Any, Any] = {
                    **success,
                    **{s: error_response(s) for s in sorted(statuses)},
                }
                REQUEST_HEADERS[ids[method]] = request_headers(methods, idempotent)
                register = getattr(self.bp, method)
                register(
                    rule,
                    responses=responses,
                    security=security,
                    summary=summary,
                    description=description,
                    operation_id=ids[method],
                )(endpoint)
            return view

        return decorate


ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}
#: Errors come as JSON or, when asked for in ``Accept``, as ``application/problem+json``.
ERROR_CONTENT = {
    "application/json": {"schema": ERROR_SCHEMA},
    "application/problem+json": {"schema": ERROR_SCHEMA},
}


def _header(description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


INTEGER = {"type": "integer", "minimum": 0}
TEXT = {"type": "string"}
#: Sent on every response (telemetry/requestid.py).
REQUEST_ID = {"X-Request-ID": _header("The request's id (yours if safe, else a new one).", TEXT)}
#: Sent on every rate-limited response while rate limiting is on (web/ratelimit.py).
RATE_LIMIT = {
    "RateLimit-Limit": _header("Requests allowed in the current window.", INTEGER),
    "RateLimit-Remaining": _header("Requests left in the current window.", INTEGER),
    "RateLimit-Reset": _header("Seconds until the window resets.", INTEGER),
}
RETRY_AFTER = _header("Seconds to wait before retrying.", INTEGER)
ETAG = _header("Strong entity tag of the representation, for If-None-Match and If-Match.", TEXT)


def cache_control(*values: str) -> dict[str, Any]:
    """``Cache-Control``, with the values it takes on a response (web/conditional.py sets
    ``no-cache`` on public reads, web/http.py ``private`` on any answer to credentials)."""
    meaning = {
        "no-cache": "no-cache on a public read (keep it, but revalidate with If-None-Match)",
        "private": "private on any answer to a request that carried credentials",
    }
    return _header(
        "; ".join(meaning[value] for value in values) + ".",
        {"type": "string", "enum": list(values)},
    )


#: Sent on every successful JSON read (web/conditional.py): the representation and its tag
#: depend on the credentials (your own profile shows your email).
VARY = _header("Authorization: what you read, and its ETag, depend on who asks.", TEXT)


def error_statuses(
    methods: tuple[str, ...],
    rule: str,
    *,
    authenticated: bool,
    permission: bool,
    idempotent: bool,
    throttled: bool,
    extra: Iterable[int],
) -> set[int]:
    """The error statuses an operation can answer, from what it declares."""
    # A Host the server does not answer to (400), Accept (406), a URL over MAX_URL_LENGTH
    # (414), and what any request may meet.
    statuses = {400, 406, 414, 500, 503, *extra}
    if authenticated:
        statuses.add(401)
    if permission:
        statuses.add(403)
    if "<" in rule:  # a path parameter: the row may not exist
        statuses.add(404)
    # A body is checked on every method that may carry one, whether the operation takes
    # one or not (http.check_body): too large (413), not JSON (415).
    if BODY_METHODS & {method.upper() for method in methods}:
        statuses.update((413, 415))
    if idempotent:
        statuses.update((409, 422))
    if {"put", "patch", "delete"} & set(methods):
        statuses.add(412)
    if throttled:
        statuses.add(429)
    return statuses


def error_response(status: int) -> dict[str, Any]:
    headers = {**REQUEST_ID, "Cache-Control": cache_control("private")}
    if status == 429:
        headers.update(RATE_LIMIT, **{"Retry-After": {**RETRY_AFTER, "required": True}})
    elif status == 503:
        headers["Retry-After"] = RETRY_AFTER
    else:
        headers.update(RATE_LIMIT)
    return {
        "description": HTTP_STATUS_CODES[status],
        "content": ERROR_CONTENT,
        "headers": headers,
    }


#: Each operation's request headers, by operationId: :func:`document` lists them, and the
#: pipeline's steps read them (request ids, conditional requests, idempotency).
REQUEST_HEADERS: dict[str, type[HeaderModel]] = {}


def document(app: OpenAPI) -> dict[str, Any]:
    """The OpenAPI document: flask-openapi3's, with each operation's request headers as
    parameters. Not a ``header`` model on the view, which flask-openapi3 would parse on
    every request for nothing (bench/results/profile-endpoints-2026-11-30.md)."""
    spec = copy.deepcopy(app.api_doc)
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            model = REQUEST_HEADERS.get(operation.get("operationId", ""))
            if model is None:
                continue
            parameters, _ = parse_header(model)
            documented = [
                p.model_dump(mode="json", by_alias=True, exclude_unset=True) for p in parameters
            ]
            operation["parameters"] = documented + operation.get("parameters", [])
    return spec


def request_headers(methods: tuple[str, ...], idempotent: bool) -> type[HeaderModel]:
    if idempotent:
        return IdempotentCreateHeaders
    if "get" in methods:
        return ReadHeaders
    if "post" in methods:
        return CreateHeaders
    return WriteHeaders


def success_response(
    code: int,
    response: type[BaseModel] | None,
    method: str,
    created: bool,
    idempotent: bool,
    extra: dict[str, str] | None,
    links: dict[str, dict[str, Any]] | None,
) -> dict[Any, Any]:
    """The success response (and ``304`` for a ``GET``): its schema, headers and links."""
    headers: dict[str, Any] = {**REQUEST_ID, **RATE_LIMIT}
    read = method == "get" and code == 200
    headers["Cache-Control"] = (
        cache_control("no-cache", "private") if read else cache_control("private")
    )
    if method in ("get", "put", "patch") and code == 200:
        headers["ETag"] = {**ETAG, "required": True}
    if read:
        headers["Vary"] = VARY
    if response is not None and "items" in response.model_fields:
        headers["Link"] = _header("RFC 8288 links: next, prev, first, last.", TEXT)
        headers["X-Total-Count"] = _header("Items in the collection (page mode).", INTEGER)
    if created:
        headers["Location"] = _header("URL of the created resource.", TEXT, required=True)
    if idempotent:
        headers["Idempotent-Replayed"] = _header(
            "true when this is the stored response to an earlier request with the same "
            "Idempotency-Key.",
            {"type": "string", "enum": ["true"]},
        )
    for name, value in (extra or {}).items():
        headers[name] = _header(f"Always {value}.", {"type": "string", "enum": [value]}, True)
    extra_doc: dict[str, Any] = {"headers": headers}
    if links and method == "post":
        extra_doc["links"] = links
    if response is None:
        documented: Any = {"description": HTTP_STATUS_CODES[code], **extra_doc}
    else:
        # A subclass with the same title and description: the same component, this
        # operation's headers.
        title = response.model_json_schema().get("title", response.__name__)
        config = {**response.model_config, "title": title, "openapi_extra": extra_doc}
        namespace = {"model_config": config, "__doc__": response.__doc__}
        documented = type(response.__name__, (response,), namespace)
    answers = {code: documented}
    if read:
        answers[304] = {
            "description": "Not Modified: the If-None-Match tag still matches.",
            "headers": {
                **REQUEST_ID,
                **RATE_LIMIT,
                "ETag": {**ETAG, "required": True},
                "Cache-Control": headers["Cache-Control"],
                "Vary": VARY,
            },
        }
    return answers


def _render(
    result: Any,
    schema: type[BaseModel],
    status: int,
    represent: Callable[[Any], Body] | None,
    location: Callable[[Body], str] | None,
    extra: dict[str, str] | None,
) -> Response:
    mapper = represent or (lambda item: item)
    headers: dict[str, str] = {}
    if isinstance(result, Page):
        body, headers = collection([mapper(i) for i in result.items], result.request, result.total)
    elif isinstance(result, KeysetPage):
        items = [mapper(i) for i in result.items]
        body, headers = keyset_collection(items, result.request, result.next_key)
    else:
        body = mapper(result)
    if extra:
        headers.update(extra)
    if location is not None:
        headers["Location"] = location(body)
    return respond(schema, body, status=status, headers=headers)
