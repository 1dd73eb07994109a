from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

from microblog.timeutil import isoformat

ItemT = TypeVar("ItemT")

#: A UTC time rendered as ISO 8601 with fractional seconds and ``Z``.
UTCDateTime = Annotated[datetime, PlainSerializer(isoformat, return_type=str)]


def _reject_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text, and no legitimate text needs it.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


#: Metadata for text any database can store: ``Annotated[str, ..., NO_NUL]``.
NO_NUL = AfterValidator(_reject_nul)


class InputModel(BaseModel):
    """Request bodies: exact JSON types, no coercion, unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryModel(BaseModel):
    """Query strings: values arrive as text, so types are parsed (not strict)."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # Every query text reaches SQL somewhere; PostgreSQL refuses NUL (a 500), and
        # SQLite's LIKE cuts the pattern at it (``q=%00`` matched every row).
        return _reject_nul(value) if isinstance(value, str) else value

    # flask-openapi3 asks the query model for its JSON schema on every request (to learn
    # which parameters are lists); generating it costs ~300 µs, so it is cached per class.
    _schema_cache: ClassVar[dict[type, dict[str, Any]]] = {}

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        cached = QueryModel._schema_cache.get(cls)
        if cached is None:
            cached = QueryModel._schema_cache[cls] = super().model_json_schema()
        return cached


#: Page numbers are 32-bit: far past any real end, and every client can parse them.
MAX_PAGE = 2**31 - 1


class PageQuery(QueryModel):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    per_page: int = Field(
        10, ge=1, description="Items per page; values above 100 are clamped to 100."
    )


class OutputModel(BaseModel):
    """Responses: a field the schema does not declare is an error (checked in tests)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ErrorOut(BaseModel):
    error: str = Field(description="The HTTP reason phrase.")
    message: str = Field(description="What went wrong, for a human.")
    request_id: str
    errors: dict[str, list[str]] | None = Field(
        None, description="Field name (dotted when nested) to messages."
    )


class PageMeta(OutputModel):
    page: int
    per_page: int
    total_pages: int
    total_items: int


class PageLinks(OutputModel):
    self: str
    next: str | None
    prev: str | None
    first: str
    last: str


class Collection(OutputModel, Generic[ItemT]):
    """A page of items (API.md §5)."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[ItemT]
    meta: PageMeta = Field(alias="_meta")
    links: PageLinks = Field(alias="_links")


class KeysetQuery(QueryModel):
    cursor: str | None = Field(
        None, max_length=512, description="Opaque cursor from `_meta.next_cursor`."
    )
    limit: int | None = Field(
        None, ge=1, description="Items per page (keyset mode); clamped to 100."
    )


class KeysetMeta(OutputModel):
    limit: int
    next_cursor: str | None


class KeysetLinks(OutputModel):
    self: str
    next: str | None
    prev: None = None


class KeysetCollection(OutputModel, Generic[ItemT]):
    """A keyset page: no totals; follow `_links.next` until it is null."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[ItemT]
    meta: KeysetMeta = Field(alias="_meta")
    links: KeysetLinks = Field(alias="_links")


class Listing(OutputModel, Generic[ItemT]):
    """A collection that answers in page mode, or keyset mode when `cursor`/`limit` is sent."""

    model_config = ConfigDict(populate_by_name=True)

    items: list[ItemT]
    meta: PageMeta | KeysetMeta = Field(alias="_meta")
    links: PageLinks | KeysetLinks = Field(alias="_links")
