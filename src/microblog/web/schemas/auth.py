from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from microblog.data.passwords import MAX_PASSWORD_LENGTH
from microblog.web.schemas.common import NO_NUL, Id, InputModel, OutputModel, UTCDateTime

Credential = Annotated[str, StringConstraints(min_length=1, max_length=4096), NO_NUL]


class OptionalBody(InputModel):
    """A body that may be left out entirely (credentials can come in a header instead)."""

    # flask-openapi3 reads this (documented as "openapi_extra"): the body is not required.
    model_config = ConfigDict(openapi_extra={"required": False})  # type: ignore[typeddict-unknown-key]

    @model_validator(mode="before")
    @classmethod
    def _missing_body_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class LoginRequest(OptionalBody):
    username: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = None
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = None
    password: (
        Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)] | None
    ) = None


class RefreshRequest(OptionalBody):
    refresh_token: Credential | None = None


class LogoutRequest(OptionalBody):
    refresh_token: Credential | None = None


class TokenPairOut(OutputModel):
    access_token: str = Field(description="JWT, valid JWT_ACCESS_TTL seconds (15 min).")
    refresh_token: str = Field(description="JWT, valid 30 days; spent on first use.")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")


class ApiKeyCreate(InputModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100), NO_NUL]


class ApiKeyPath(BaseModel):
    key_id: Id = Field(description="API key id.")


class ApiKeyLinks(OutputModel):
    self: str


class ApiKeyOut(OutputModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    name: str
    prefix: str = Field(description="Public part of the key, to recognise it.")
    created_at: UTCDateTime
    last_used_at: UTCDateTime | None
    links: ApiKeyLinks = Field(alias="_links")


class ApiKeyCreated(OutputModel):
    id: int
    name: str
    key: str = Field(description="The secret key. Shown this once: store it now.")
    prefix: str
    created_at: UTCDateTime
