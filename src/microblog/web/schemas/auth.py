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
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "ada", "password": "correct horse battery"}]}
    )

    username: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = None
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = None
    password: (
        Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)] | None
    ) = None


class RefreshRequest(OptionalBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl"}]
        }
    )

    refresh_token: Credential | None = None


class LogoutRequest(OptionalBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl"}]
        }
    )

    refresh_token: Credential | None = None


class TokenPairOut(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.YWNjZXNz",
                    "refresh_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.cmVmcmVzaA",
                    "token_type": "Bearer",
                    "expires_in": 900,
                }
            ]
        }
    )

    access_token: str = Field(description="JWT, valid JWT_ACCESS_TTL seconds (15 min).")
    refresh_token: str = Field(description="JWT, valid 30 days; spent on first use.")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")


class ApiKeyCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "backup script"}]})

    name: Annotated[str, StringConstraints(min_length=1, max_length=100), NO_NUL]


class ApiKeyPath(BaseModel):
    key_id: Id = Field(description="API key id.", json_schema_extra={"example": 3})


class ApiKeyLinks(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"self": "/api/v1/me/api-keys/3"}]})

    self: str


class ApiKeyOut(OutputModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "backup script",
                    "prefix": "mbk_Xy12",
                    "created_at": "2026-05-01T12:00:00.000000Z",
                    "last_used_at": None,
                    "_links": {"self": "/api/v1/me/api-keys/3"},
                }
            ]
        },
    )

    id: int
    name: str
    prefix: str = Field(description="Public part of the key, to recognise it.")
    created_at: UTCDateTime
    last_used_at: UTCDateTime | None
    links: ApiKeyLinks = Field(alias="_links")


class ApiKeyCreated(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "backup script",
                    "key": "mbk_Xy12_s3cr3tValue",
                    "prefix": "mbk_Xy12",
                    "created_at": "2026-05-01T12:00:00.000000Z",
                }
            ]
        }
    )

    id: int
    name: str
    key: str = Field(description="The secret key. Shown this once: store it now.")
    prefix: str
    created_at: UTCDateTime
