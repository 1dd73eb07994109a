"""The errors the API raises on purpose, each with its HTTP status (docs/reference.md#errors).

Plain exceptions: every layer may raise them; web/errors.py renders them."""

from __future__ import annotations

FieldErrors = dict[str, list[str]]


class APIError(Exception):
    """Base of every error the API raises on purpose; carries its own status."""

    status_code = 500
    default_message = "The server could not complete the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: FieldErrors | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.errors = errors
        self.headers = headers or {}


class BadRequest(APIError):
    status_code = 400
    default_message = "The request is not valid."


class ValidationFailed(BadRequest):
    default_message = "The request has invalid fields."


class Unauthorized(APIError):
    status_code = 401
    default_message = "Valid credentials are required."

    def __init__(
        self, message: str | None = None, *, scheme: str = "Bearer", realm: str = "microblog"
    ) -> None:
        super().__init__(message, headers={"WWW-Authenticate": f'{scheme} realm="{realm}"'})


class ServiceUnavailable(APIError):
    status_code = 503
    default_message = "A service this request depends on is unavailable; try again shortly."


class Forbidden(APIError):
    status_code = 403
    default_message = "You are not allowed to do this."


class NotFound(APIError):
    status_code = 404
    default_message = "The resource was not found."


class Conflict(APIError):
    status_code = 409
    default_message = "The request conflicts with the current state of the resource."


class NotAcceptable(APIError):
    status_code = 406
    default_message = "The requested API version is not supported; use v1."


class URITooLong(APIError):
    status_code = 414
    default_message = "The URL is too long."


class UnsupportedMediaType(APIError):
    status_code = 415
    default_message = "Request bodies must be JSON (Content-Type: application/json)."
