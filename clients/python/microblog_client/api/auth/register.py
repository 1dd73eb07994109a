from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.user_create import UserCreate
from ...models.user_out import UserOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: UserCreate,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/auth/register",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorOut | UserOut | None:
    if response.status_code == 201:
        response_201 = UserOut.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 406:
        response_406 = ErrorOut.from_dict(response.json())

        return response_406

    if response.status_code == 409:
        response_409 = ErrorOut.from_dict(response.json())

        return response_409

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorOut | UserOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    x_request_id: str | Unset = UNSET,
) -> Response[ErrorOut | UserOut]:
    """Register (same as POST /users)

     The same as POST /users: creates an account, 201 with it and its URL in Location.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        body (UserCreate): A new account. Example: {'about_me': 'Analyst.', 'email':
            'ada@example.com', 'password': 'correct horse battery', 'username': 'ada'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | UserOut]
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
    client: AuthenticatedClient | Client,
    body: UserCreate,
    x_request_id: str | Unset = UNSET,
) -> ErrorOut | UserOut | None:
    """Register (same as POST /users)

     The same as POST /users: creates an account, 201 with it and its URL in Location.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        body (UserCreate): A new account. Example: {'about_me': 'Analyst.', 'email':
            'ada@example.com', 'password': 'correct horse battery', 'username': 'ada'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | UserOut
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    x_request_id: str | Unset = UNSET,
) -> Response[ErrorOut | UserOut]:
    """Register (same as POST /users)

     The same as POST /users: creates an account, 201 with it and its URL in Location.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        body (UserCreate): A new account. Example: {'about_me': 'Analyst.', 'email':
            'ada@example.com', 'password': 'correct horse battery', 'username': 'ada'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | UserOut]
    """

    kwargs = _get_kwargs(
        body=body,
        x_request_id=x_request_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    x_request_id: str | Unset = UNSET,
) -> ErrorOut | UserOut | None:
    """Register (same as POST /users)

     The same as POST /users: creates an account, 201 with it and its URL in Location.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        body (UserCreate): A new account. Example: {'about_me': 'Analyst.', 'email':
            'ada@example.com', 'password': 'correct horse battery', 'username': 'ada'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | UserOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
        )
    ).parsed
