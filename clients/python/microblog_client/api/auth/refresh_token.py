from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.refresh_request import RefreshRequest
from ...models.token_pair_out import TokenPairOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: RefreshRequest | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/auth/refresh",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorOut | TokenPairOut | None:
    if response.status_code == 200:
        response_200 = TokenPairOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorOut.from_dict(response.json())

        return response_401

    if response.status_code == 406:
        response_406 = ErrorOut.from_dict(response.json())

        return response_406

    if response.status_code == 413:
        response_413 = ErrorOut.from_dict(response.json())

        return response_413

    if response.status_code == 414:
        response_414 = ErrorOut.from_dict(response.json())

        return response_414

    if response.status_code == 415:
        response_415 = ErrorOut.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = ErrorOut.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorOut.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorOut.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorOut | TokenPairOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RefreshRequest | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[ErrorOut | TokenPairOut]:
    """Rotate a refresh token (JSON body or as Bearer) for a new pair

     Spends a refresh token (in the body, or as Authorization: Bearer) for a new pair; a refresh token
    works once: sent again, it is taken for stolen and the whole login is revoked (401). A server with
    JWT_REFRESH_REUSE_GRACE set (0 by default) refuses a reuse within that many seconds of the first use
    with 401 and ends nothing.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        body (RefreshRequest | Unset): The refresh token to spend. Leave the body out when it
            comes as Authorization: Bearer. Example: {'refresh_token':
            'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | TokenPairOut]
    """

    kwargs = _get_kwargs(
        body=body,
        x_request_id=x_request_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: RefreshRequest | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> ErrorOut | TokenPairOut | None:
    """Rotate a refresh token (JSON body or as Bearer) for a new pair

     Spends a refresh token (in the body, or as Authorization: Bearer) for a new pair; a refresh token
    works once: sent again, it is taken for stolen and the whole login is revoked (401). A server with
    JWT_REFRESH_REUSE_GRACE set (0 by default) refuses a reuse within that many seconds of the first use
    with 401 and ends nothing.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        body (RefreshRequest | Unset): The refresh token to spend. Leave the body out when it
            comes as Authorization: Bearer. Example: {'refresh_token':
            'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | TokenPairOut
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RefreshRequest | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[ErrorOut | TokenPairOut]:
    """Rotate a refresh token (JSON body or as Bearer) for a new pair

     Spends a refresh token (in the body, or as Authorization: Bearer) for a new pair; a refresh token
    works once: sent again, it is taken for stolen and the whole login is revoked (401). A server with
    JWT_REFRESH_REUSE_GRACE set (0 by default) refuses a reuse within that many seconds of the first use
    with 401 and ends nothing.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        body (RefreshRequest | Unset): The refresh token to spend. Leave the body out when it
            comes as Authorization: Bearer. Example: {'refresh_token':
            'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | TokenPairOut]
    """

    kwargs = _get_kwargs(
        body=body,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: RefreshRequest | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> ErrorOut | TokenPairOut | None:
    """Rotate a refresh token (JSON body or as Bearer) for a new pair

     Spends a refresh token (in the body, or as Authorization: Bearer) for a new pair; a refresh token
    works once: sent again, it is taken for stolen and the whole login is revoked (401). A server with
    JWT_REFRESH_REUSE_GRACE set (0 by default) refuses a reuse within that many seconds of the first use
    with 401 and ends nothing.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        body (RefreshRequest | Unset): The refresh token to spend. Leave the body out when it
            comes as Authorization: Bearer. Example: {'refresh_token':
            'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | TokenPairOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
