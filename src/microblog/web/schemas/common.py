from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from microblog.data.timeutil import isoformat

ItemT = TypeVar("ItemT")

#: A UTC time rendered as ISO 8601 with fractional seconds and ``Z``.
UTCDateTime = Annotated[datetime, PlainSerializer(isoformat, return_type=str)]

# -- input bounds (docs/reference.md#input-bounds) ---------------------------------------
# Every integer and every time a client sends is one of the types below, so the range is
# decided here, once: validation refuses what is outside it (400 with a field error), the
# OpenAPI document shows it (``minimum``/``maximum``, ``format: date-time``), and nothing
# out of range reaches a database driver (an ``OverflowError`` there was a 500).

#: The widest integer any supported database binds (SQLite INTEGER, PostgreSQL BIGINT).
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: Ids are ``INTEGER`` columns: 32-bit on PostgreSQL. ``IdConverter`` (http.py) matches
#: the same range in paths, where anything else is a 404.
ID_MAX = 2**31 - 1
#: Page numbers are 32-bit: far past any real end, and every client can parse them.
MAX_PAGE = 2**31 - 1

#: Any integer a client may send that has no tighter bound of its own.
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
#: A row id (a path id, or a query parameter naming a row, such as ``author``).
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
#: ``page``: from 1.
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
#: ``per_page``/``limit``: from 1; any larger value up to ``INT64_MAX`` is clamped to the
#: configured cap (docs/reference.md#page-mode), beyond it is a 400 like any other out-of-range
#: integer.
PageSize = Annotated[int, Field(ge=1, le=INT64_MAX)]


def _iso_8601_only(value: object) -> object:
    # Pydantic would also read a number of seconds ("0.5", "1700000000") as a time.
    if isinstance(value, str) and not re.match(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be an ISO 8601 time, e.g. 2024-05-01T12:00:00Z")
    return value


def to_utc(value: datetime) -> datetime:
    """Naive UTC, as every ``DateTime`` column stores it; a naive time already is UTC.

    ``0001-01-01T00:00:00+14:00`` is a valid ISO 8601 time whose UTC instant is before
    year 1, which ``datetime`` cannot hold: that is the client's error, not an overflow."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise ValueError("must be a time between years 1 and 9999 in UTC") from None


#: A time a client sends: ISO 8601 (not a number of seconds), any offset or none (= UTC),
#: validated to naive UTC within ``datetime``'s range.
UTCInstant = Annotated[datetime, BeforeValidator(_iso_8601_only), AfterValidator(to_utc)]


def _reject_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text, and no legitimate text needs it.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


#: JSON Schema (ECMA 262) patterns for what the validators below refuse.
NO_NUL_PATTERN = "^[^\\u0000]*$"
NOT_BLANK_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


@dataclass(frozen=True, slots=True)
class Checked:
    """Annotated metadata: a validator and the ``pattern`` that documents it, for rules a
    regular expression states but pydantic's own (Rust) engine should not run."""

    check: Callable[[str], str]
    pattern: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


#: Metadata for text any database can store: ``Annotated[str, ..., NO_NUL]``.
NO_NUL = Checked(_reject_nul, NO_NUL_PATTERN)


class Documented(BaseModel):
    """A model whose first example reaches the OpenAPI document: flask-openapi3's schema
    object keeps OpenAPI's ``example`` and drops JSON Schema's ``examples`` list."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = super().__get_pydantic_json_schema__(schema, handler)
        target = handler.resolve_ref_schema(json_schema)
        examples = target.pop("examples", None)
        if examples:
            target["example"] = examples[0]
        return json_schema


class InputModel(Documented):
    """Request bodies: exact JSON types, no coercion, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _document_no_nul(schema: dict[str, Any]) -> None:
    # Every text parameter is refused with NUL (``_no_nul`` below): the document says so.
    # A parameter is absent or has a value, never null.
    for prop in schema.get("properties", {}).values():
        if prop.get("default", 0) is None:
            not_null(prop)
        for branch in [prop, *prop.get("anyOf", [])]:
            if branch.get("type") == "string" and "pattern" not in branch and "enum" not in branch:
                branch["pattern"] = NO_NUL_PATTERN


class QueryModel(BaseModel):
    """Query strings: values arrive as text, so types are parsed (not strict)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_document_no_nul)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # Every query text reaches SQL somewhere; PostgreSQL refuses NUL (a 500), and
        # SQLite's LIKE cuts the pattern at it (``q=%00`` matched every row).
        return _reject_nul(value) if isinstance(value, str) else value

    # flask-openapi3 asks the query model for its JSON schema on every request (to learn
    # which parameters are lists); generating it costs ~300 µs, so it is cached per class.
    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        cached = QUERY_SCHEMAS.get(cls)
        if cached is None:
            cached = QUERY_SCHEMAS[cls] = super().model_json_schema()
        return cached


#: ``QueryModel.model_json_schema()`` per query model class.
QUERY_SCHEMAS: dict[type, dict[str, Any]] = {}


#: ``per_page`` as clients read it (docs/reference.md#page-mode): the default and the cap
#: are the PER_PAGE_DEFAULT and PER_PAGE_MAX the app is configured with.
PER_PAGE = "Items per page: default 10, values above 100 are treated as 100."
LIMIT = "Items per page (keyset mode): default 10, values above 100 are treated as 100."


class PageQuery(QueryModel):
    page: PageNumber = Field(
        1, description="Page number, from 1 (default 1).", json_schema_extra={"example": 2}
    )
    per_page: PageSize = Field(10, description=PER_PAGE, json_schema_extra={"example": 20})


class OutputModel(Documented):
    """Responses: a field the schema does not declare is an error (checked in tests)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ErrorOut(Documented):
    """The one error body of every route, whatever the status (an `application/problem+json`
    answer carries the same facts under RFC 9457's names)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "Bad Request",
                    "message": "Validation failed.",
                    "request_id": "3f2b9c1e-checkout",
                    "errors": {"email": ["value is not a valid email address"]},
                }
            ]
        }
    )

    error: str = Field(description="The HTTP reason phrase.")
    message: str = Field(description="What went wrong, for a human.")
    request_id: str = Field(
        description="The request's id, also in X-Request-ID: quote it when you report a problem."
    )
    errors: dict[str, list[str]] | None = Field(
        None,
        description="Only when fields are wrong: each field (query parameter or body field, "
        "dotted when nested) with its messages.",
    )


def not_null(schema: dict[str, Any]) -> None:
    """``json_schema_extra`` of a field that may be left out but not sent as ``null``: the
    default (``None``, meaning absent) is not a value a client may send."""
    schema.pop("default", None)
    branches = schema.pop("anyOf", None)
    if branches is not None:
        (kept,) = [branch for branch in branches if branch.get("type") != "null"]
        schema.update(kept)


class HeaderModel(BaseModel):
    """Request headers an operation reads, documented as header parameters
    (web/routes.py: document). Never parsed: the steps that read a header (idempotency,
    conditional requests, request ids) enforce what the field documents."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def header(example: str, **constraints: Any) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` of a header field: never null, an example (parameters take one
    ``example``, not a list) and the constraints the step reading the header enforces."""

    def extra(schema: dict[str, Any]) -> None:
        not_null(schema)
        schema.update(example=example, **constraints)

    return extra


#: Request ids are echoed when safe (telemetry/requestid.py), replaced otherwise: any
#: text is accepted, so the document states no pattern.
REQUEST_ID = Field(
    None,
    alias="X-Request-ID",
    description="Your id for this request, echoed in X-Request-ID and error bodies when it "
    "is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one).",
    json_schema_extra=header("3f2b9c1e-checkout"),
)


class ReadHeaders(HeaderModel):
    request_id: str | None = REQUEST_ID
    if_none_match: str | None = Field(
        None,
        alias="If-None-Match",
        description="An ETag from an earlier response: 304 Not Modified when it still matches.",
        json_schema_extra=header('"3a7bd3e2360a3d29eea436fcfb7e44c8"'),
    )


class WriteHeaders(HeaderModel):
    request_id: str | None = REQUEST_ID
    if_match: str | None = Field(
        None,
        alias="If-Match",
        description="The ETag you read: 412 Precondition Failed if the resource changed since.",
        json_schema_extra=header('"3a7bd3e2360a3d29eea436fcfb7e44c8"'),
    )


class CreateHeaders(HeaderModel):
    request_id: str | None = REQUEST_ID


class IdempotentCreateHeaders(HeaderModel):
    request_id: str | None = REQUEST_ID
    idempotency_key: str | None = Field(
        None,
        alias="Idempotency-Key",
        description="Any 1-255 visible ASCII characters: a retry with the same key and body "
        "replays the first response (docs/reference.md#idempotency).",
        json_schema_extra=header(
            "7c8e0f3a-5b1d-4e2a-9c6f-2d4b8a1e3f90",
            pattern="^[!-~]{1,255}$",
            minLength=1,
            maxLength=255,
        ),
    )


class PageMeta(OutputModel):
    """Where a page-mode page lies in its collection."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"page": 1, "per_page": 10, "total_pages": 3, "total_items": 25}]
        }
    )

    page: int = Field(description="This page's number, from 1.")
    per_page: int = Field(description="Items per page, after the cap of 100 was applied.")
    total_pages: int = Field(description="Pages in the collection at this page size (0 if empty).")
    total_items: int = Field(description="Items in the whole collection.")


class PageLinks(OutputModel):
    """Links to this page and its neighbours, with the same query (filters, sort, page size)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "self": "/api/v1/users?page=1&per_page=10",
                    "next": "/api/v1/users?page=2&per_page=10",
                    "prev": None,
                    "first": "/api/v1/users?page=1&per_page=10",
                    "last": "/api/v1/users?page=3&per_page=10",
                }
            ]
        }
    )

    self: str = Field(description="This page.")
    next: str | None = Field(description="The next page; null on the last one.")
    prev: str | None = Field(description="The previous page; null on the first one.")
    first: str = Field(description="The first page.")
    last: str = Field(description="The last page (the first one when the collection is empty).")


def example_of(model: Any) -> Any:
    """A model's first declared example (``json_schema_extra``), or None."""
    is_model = isinstance(model, type) and issubclass(model, BaseModel)
    extra = model.model_config.get("json_schema_extra") if is_model else None
    examples = extra.get("examples") if isinstance(extra, dict) else None
    return examples[0] if examples else None


#: The ``items`` of every collection.
ITEMS = "The items of this page, in the collection's order; empty past the end."


class Paged(OutputModel):
    """A collection's example: one item of its item type's example, with its ``_meta``
    and ``_links`` examples (``Collection[UserOut]`` and the like have no source of their
    own to write one in)."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = super().__get_pydantic_json_schema__(schema, handler)
        target = handler.resolve_ref_schema(json_schema)
        # ``Collection[UserOut]`` (and a subclass of it) is a class of its own, without the
        # docstring of ``Collection`` that pydantic makes the description: it comes from there.
        docstring = next(c.__doc__ for c in cls.__mro__ if c.__doc__)
        target.setdefault("description", inspect.cleandoc(docstring))
        fields = cls.model_fields
        items = get_args(fields["items"].annotation)
        meta, links = fields["meta"].annotation, fields["links"].annotation
        item = example_of(items[0]) if items else None
        meta_example = example_of(get_args(meta)[0] if get_args(meta) else meta)
        links_example = example_of(get_args(links)[0] if get_args(links) else links)
        if item is not None and meta_example is not None and links_example is not None:
            target["example"] = {"items": [item], "_meta": meta_example, "_links": links_example}
        return json_schema


class Collection(Paged, Generic[ItemT]):
    """One page of a collection in page mode (`page`, `per_page`): its items, where it lies
    and links to its neighbours; follow `_links.next` until it is null."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[ItemT] = Field(description=ITEMS)
    meta: PageMeta = Field(alias="_meta", description="Where this page lies.")
    links: PageLinks = Field(alias="_links", description="This page and its neighbours.")


#: An opaque cursor, as ``_meta.next_cursor`` gives it.
CURSOR_EXAMPLE = "WyIyMDI2LTA1LTAxVDEyOjAwOjAwIiwgNDJd.c2ln"


class KeysetQuery(QueryModel):
    cursor: str | None = Field(
        None,
        max_length=512,
        description="Opaque cursor from `_meta.next_cursor` (signed: only one the server "
        "issued is accepted; empty means the first page).",
        json_schema_extra={
            "format": "cursor",
            "pattern": "^[A-Za-z0-9_.-]*$",
            "example": CURSOR_EXAMPLE,
        },
    )
    limit: PageSize | None = Field(None, description=LIMIT, json_schema_extra={"example": 20})


class KeysetMeta(OutputModel):
    """Where a keyset page ends: the cursor of the next one."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"limit": 10, "next_cursor": CURSOR_EXAMPLE}]}
    )

    limit: int = Field(description="Items per page, after the cap of 100 was applied.")
    next_cursor: str | None = Field(
        description="Send it as `cursor` for the next page; null on the last one."
    )


class KeysetLinks(OutputModel):
    """Links to this keyset page and the next (a keyset page has no way back)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "self": "/api/v1/feed?limit=10",
                    "next": "/api/v1/feed?cursor=WyIyMDI2In0.c2ln&limit=10",
                    "prev": None,
                }
            ]
        }
    )

    self: str = Field(description="This page.")
    next: str | None = Field(description="The next page; null on the last one.")
    prev: None = Field(None, description="Always null: keyset pages go forward only.")


class KeysetCollection(Paged, Generic[ItemT]):
    """One page of a collection in keyset mode (`cursor`, `limit`): no totals and no page
    numbers, stable while items are added; follow `_links.next` until it is null."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[ItemT] = Field(description=ITEMS)
    meta: KeysetMeta = Field(alias="_meta", description="The cursor of the next page.")
    links: KeysetLinks = Field(alias="_links", description="This page and the next.")


class Listing(Paged, Generic[ItemT]):
    """One page of a collection that answers in page mode (`page`, `per_page`: `_meta` and
    `_links` as in page mode), or in keyset mode when `cursor` or `limit` is sent."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[ItemT] = Field(description=ITEMS)
    meta: PageMeta | KeysetMeta = Field(
        alias="_meta", description="PageMeta in page mode, KeysetMeta in keyset mode."
    )
    links: PageLinks | KeysetLinks = Field(
        alias="_links", description="PageLinks in page mode, KeysetLinks in keyset mode."
    )
