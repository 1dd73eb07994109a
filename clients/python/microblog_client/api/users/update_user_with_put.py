from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.user_out import UserOut
from ...models.user_update import UserUpdate
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: int,
    *,
    body: UserUpdate,
    x_request_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/users/{user_id}".format(
            user_id=quote(str(user_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorOut | UserOut | None:
    if response.status_code == 200:
        response_200 = UserOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorOut.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorOut.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorOut.from_dict(response.json())

        return response_404

    if response.status_code == 406:
        response_406 = ErrorOut.from_dict(response.json())

        return response_406

    if response.status_code == 409:
        response_409 = ErrorOut.from_dict(response.json())

        return response_409

    if response.status_code == 412:
        response_412 = ErrorOut.from_dict(response.json())

        return response_412

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
    user_id: int,
    *,
    client: AuthenticatedClient,
    body: UserUpdate,
    x_request_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[ErrorOut | UserOut]:
    """Update a user (partial)

     Partial update (PUT and PATCH alike): only the fields sent change. Yourself or an admin; changing
    your own password or email needs current_password. role and is_active: admins only.

    Args:
        user_id (int): User id. Example: 7.
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        if_match (str | Unset): The ETag you read: 412 Precondition Failed if the resource changed
            since. Example: "3a7bd3e2360a3d29eea436fcfb7e44c8".
        body (UserUpdate): Changes to an account: only the fields sent change. `role` and
            `is_active` are
            accepted from admins only; for anyone else they are unknown fields (400). Example:
            {'about_me': 'Analyst and writer.'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | UserOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        body=body,
        x_request_id=x_request_id,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: int,
    *,
    client: AuthenticatedClient,
    body: UserUpdate,
    x_request_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> ErrorOut | UserOut | None:
    """Update a user (partial)

     Partial update (PUT and PATCH alike): only the fields sent change. Yourself or an admin; changing
    your own password or email needs current_password. role and is_active: admins only.

    Args:
        user_id (int): User id. Example: 7.
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        if_match (str | Unset): The ETag you read: 412 Precondition Failed if the resource changed
            since. Example: "3a7bd3e2360a3d29eea436fcfb7e44c8".
        body (UserUpdate): Changes to an account: only the fields sent change. `role` and
            `is_active` are
            accepted from admins only; for anyone else they are unknown fields (400). Example:
            {'about_me': 'Analyst and writer.'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | UserOut
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        body=body,
        x_request_id=x_request_id,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    user_id: int,
    *,
    client: AuthenticatedClient,
    body: UserUpdate,
    x_request_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[ErrorOut | UserOut]:
    """Update a user (partial)

     Partial update (PUT and PATCH alike): only the fields sent change. Yourself or an admin; changing
    your own password or email needs current_password. role and is_active: admins only.

    Args:
        user_id (int): User id. Example: 7.
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        if_match (str | Unset): The ETag you read: 412 Precondition Failed if the resource changed
            since. Example: "3a7bd3e2360a3d29eea436fcfb7e44c8".
        body (UserUpdate): Changes to an account: only the fields sent change. `role` and
            `is_active` are
            accepted from admins only; for anyone else they are unknown fields (400). Example:
            {'about_me': 'Analyst and writer.'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | UserOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        body=body,
        x_request_id=x_request_id,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: int,
    *,
    client: AuthenticatedClient,
    body: UserUpdate,
    x_request_id: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> ErrorOut | UserOut | None:
    """Update a user (partial)

     Partial update (PUT and PATCH alike): only the fields sent change. Yourself or an admin; changing
    your own password or email needs current_password. role and is_active: admins only.

    Args:
        user_id (int): User id. Example: 7.
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        if_match (str | Unset): The ETag you read: 412 Precondition Failed if the resource changed
            since. Example: "3a7bd3e2360a3d29eea436fcfb7e44c8".
        body (UserUpdate): Changes to an account: only the fields sent change. `role` and
            `is_active` are
            accepted from admins only; for anyone else they are unknown fields (400). Example:
            {'about_me': 'Analyst and writer.'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | UserOut
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            body=body,
            x_request_id=x_request_id,
            if_match=if_match,
        )
    ).parsed
