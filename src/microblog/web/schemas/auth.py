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
    """Credentials for a JWT pair: username or email, and password. Leave the body out
    when they come as HTTP Basic instead."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "ada", "password": "correct horse battery"}]}
    )

    username: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = Field(
        None, description="Your username (any case); or send email instead."
    )
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = Field(
        None, description="Your email (any case), when no username is sent."
    )
    password: (
        Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)] | None
    ) = Field(None, description="Your password: required with username or email.")


class RefreshRequest(OptionalBody):
    """The refresh token to spend. Leave the body out when it comes as Authorization: Bearer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl"}]
        }
    )

    refresh_token: Credential | None = Field(
        None,
        description="A refresh token from login or an earlier refresh; it works once.",
    )


class LogoutRequest(OptionalBody):
    """Optionally, the refresh token to revoke with the access token's login."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl"}]
        }
    )

    refresh_token: Credential | None = Field(
        None, description="Your refresh token, revoked too (its login may differ)."
    )


class TokenPairOut(OutputModel):
    """A JWT access token for requests and a refresh token for the next pair."""

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
    token_type: str = Field(  # the scheme name, not a secret
        "Bearer", description="Always Bearer: send the access token as Authorization: Bearer."
    )
    expires_in: int = Field(description="Seconds until the access token expires.")


class ApiKeyCreate(InputModel):
    """A new API key: only a name to recognise it by."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "backup script"}]})

    name: Annotated[str, StringConstraints(min_length=1, max_length=100), NO_NUL] = Field(
        description="Your label for the key, such as what uses it (need not be unique)."
    )


KEY_ID = "The key's id, for DELETE /me/api-keys/{key_id}."
KEY_NAME = "The label you gave the key."
KEY_PREFIX = "The key's first characters, to recognise it (not enough to use it)."
KEY_CREATED = "When the key was made (UTC)."


class ApiKeyPath(BaseModel):
    key_id: Id = Field(description="API key id.", json_schema_extra={"example": 3})


class ApiKeyLinks(OutputModel):
    """Where an API key lives."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"self": "/api/v1/me/api-keys/3"}]})

    self: str = Field(description="The key's URL: DELETE it to revoke the key.")


class ApiKeyOut(OutputModel):
    """One of your API keys, without its secret."""

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

    id: int = Field(description=KEY_ID)
    name: str = Field(description=KEY_NAME)
    prefix: str = Field(description=KEY_PREFIX)
    created_at: UTCDateTime = Field(description=KEY_CREATED)
    last_used_at: UTCDateTime | None = Field(
        description="When a request last authenticated with it (UTC; recorded at most once "
        "a minute); null if never."
    )
    links: ApiKeyLinks = Field(alias="_links", description="Where the key lives.")


class ApiKeyCreated(OutputModel):
    """A new API key, with its secret: the only time the secret is shown."""

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

    id: int = Field(description=KEY_ID)
    name: str = Field(description=KEY_NAME)
    key: str = Field(
        description="The secret key (mbk_…), for X-API-Key or Authorization: Bearer. Shown "
        "this once: store it now."
    )
    prefix: str = Field(description=KEY_PREFIX)
    created_at: UTCDateTime = Field(description=KEY_CREATED)
