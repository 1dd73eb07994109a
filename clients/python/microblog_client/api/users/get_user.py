from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.user_out import UserOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: int,
    *,
    x_request_id: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/users/{user_id}".format(
            user_id=quote(str(user_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorOut | UserOut | None:
    if response.status_code == 200:
        response_200 = UserOut.from_dict(response.json())

        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorOut.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorOut.from_dict(response.json())

        return response_404

    if response.status_code == 406:
        response_406 = ErrorOut.from_dict(response.json())

        return response_406

    if response.status_code == 414:
        response_414 = ErrorOut.from_dict(response.json())

        return response_414

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
) -> Response[Any | ErrorOut | UserOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: int,
    *,
    client: AuthenticatedClient,
    x_request_id: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Response[Any | ErrorOut | UserOut]:
    """Get a user

     One account; email and role are shown to the user themself and admins, is_active to admins.

    Args:
        user_id (int): User id. Example: 7.
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        if_none_match (str | Unset): An ETag from an earlier response: 304 Not Modified when it
            still matches. Example: "3a7bd3e2360a3d29eea436fcfb7e44c8".

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorOut | UserOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        x_request_id=x_request_id,
        if_none_match=if_none_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: int,
    *,
    client: AuthenticatedClient,
    x_request_id: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Any | ErrorOut | UserOut | None:
    """Get a user

     One account; email and role are shown to the user themself and admins, is_active to admins.

    Args:
        user_id (int): User id. Example: 7.
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        if_none_match (str | Unset): An ETag from an earlier response: 304 Not Modified when it
            still matches. Example: "3a7bd3e2360a3d29eea436fcfb7e44c8".

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorOut | UserOut
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        x_request_id=x_request_id,
        if_none_match=if_none_match,
    ).parsed


async def asyncio_detailed(
    user_id: int,
    *,
    client: AuthenticatedClient,
    x_request_id: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Response[Any | ErrorOut | UserOut]:
    """Get a user

     One account; email and role are shown to the user themself and admins, is_active to admins.

    Args:
        user_id (int): User id. Example: 7.
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        if_none_match (str | Unset): An ETag from an earlier response: 304 Not Modified when it
            still matches. Example: "3a7bd3e2360a3d29eea436fcfb7e44c8".

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorOut | UserOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        x_request_id=x_request_id,
        if_none_match=if_none_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: int,
    *,
    client: AuthenticatedClient,
    x_request_id: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Any | ErrorOut | UserOut | None:
    """Get a user

     One account; email and role are shown to the user themself and admins, is_active to admins.

    Args:
        user_id (int): User id. Example: 7.
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        if_none_match (str | Unset): An ETag from an earlier response: 304 Not Modified when it
            still matches. Example: "3a7bd3e2360a3d29eea436fcfb7e44c8".

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorOut | UserOut
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            x_request_id=x_request_id,
            if_none_match=if_none_match,
        )
    ).parsed
