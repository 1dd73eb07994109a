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

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import Response
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel

from microblog.data.pages import KeysetPage, Page
from microblog.web.api.responses import no_content, respond
from microblog.web.auth import SECURITY
from microblog.web.hosts import external_url_for
from microblog.web.idempotency import idempotent as honour_idempotency_key
from microblog.web.pagination import collection, keyset_collection
from microblog.web.schemas.common import ERROR_RESPONSES
from microblog.web.spec import AuthKind, RouteSpec, Throttle, declare

F = TypeVar("F", bound=Callable[..., Any])
Body = dict[str, Any]


def link_to(endpoint: str, arg: str) -> Callable[[Body], str]:
    """A ``Location`` for a created resource: ``endpoint``'s URL with ``arg`` = its id."""
    return lambda body: external_url_for(endpoint, **{arg: body["id"]})


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
        # Every operation documents the error statuses; its own declaration of one wins.
        self.bp = APIBlueprint(
            name,
            import_name,
            url_prefix=url_prefix,
            abp_tags=[tag],
            abp_responses=ERROR_RESPONSES,
        )

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
        description: str | None = None,
        response: type[BaseModel] | None = None,
        status: int | None = None,
        represent: Callable[[Any], Body] | None = None,
        auth: AuthKind | None = "bearer",
        optional: bool = False,
        idempotent: bool = False,
        location: Callable[[Body], str] | None = None,
        headers: dict[str, str] | None = None,
        throttle: Throttle = "default",
    ) -> Callable[[F], F]:
        code = status or (200 if response is not None else 204)
        security = None
        if auth is not None:
            security = SECURITY[auth] + ([{}] if optional else [])

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
            for method in methods:
                register = getattr(self.bp, method)
                register(
                    rule,
                    responses={code: response},
                    security=security,
                    summary=summary,
                    description=description,
                )(endpoint)
            return view

        return decorate


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
