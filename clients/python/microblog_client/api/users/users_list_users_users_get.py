from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.collection_user_out import CollectionUserOut
from ...models.error_out import ErrorOut
from ...models.users_list_users_users_get_sort_type_0 import UsersListUsersUsersGetSortType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | Unset = 1,
    per_page: int | Unset = 10,
    q: None | str | Unset = UNSET,
    sort: None | Unset | UsersListUsersUsersGetSortType0 = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page"] = page

    params["per_page"] = per_page

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    json_sort: None | str | Unset
    if isinstance(sort, Unset):
        json_sort = UNSET
    elif isinstance(sort, UsersListUsersUsersGetSortType0):
        json_sort = sort.value
    else:
        json_sort = sort
    params["sort"] = json_sort

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/users",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CollectionUserOut | ErrorOut | None:
    if response.status_code == 200:
        response_200 = CollectionUserOut.from_dict(response.json())

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

    if response.status_code == 415:
        response_415 = ErrorOut.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorOut.from_dict(response.json())

        return response_422

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
) -> Response[CollectionUserOut | ErrorOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 10,
    q: None | str | Unset = UNSET,
    sort: None | Unset | UsersListUsersUsersGetSortType0 = UNSET,
) -> Response[CollectionUserOut | ErrorOut]:
    """List users

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; values above 100 are clamped to 100. Default: 10.
        q (None | str | Unset): Search in username and about_me.
        sort (None | Unset | UsersListUsersUsersGetSortType0): Sort field; prefix with - for
            descending.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CollectionUserOut | ErrorOut]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        q=q,
        sort=sort,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 10,
    q: None | str | Unset = UNSET,
    sort: None | Unset | UsersListUsersUsersGetSortType0 = UNSET,
) -> CollectionUserOut | ErrorOut | None:
    """List users

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; values above 100 are clamped to 100. Default: 10.
        q (None | str | Unset): Search in username and about_me.
        sort (None | Unset | UsersListUsersUsersGetSortType0): Sort field; prefix with - for
            descending.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CollectionUserOut | ErrorOut
    """

    return sync_detailed(
        client=client,
        page=page,
        per_page=per_page,
        q=q,
        sort=sort,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 10,
    q: None | str | Unset = UNSET,
    sort: None | Unset | UsersListUsersUsersGetSortType0 = UNSET,
) -> Response[CollectionUserOut | ErrorOut]:
    """List users

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; values above 100 are clamped to 100. Default: 10.
        q (None | str | Unset): Search in username and about_me.
        sort (None | Unset | UsersListUsersUsersGetSortType0): Sort field; prefix with - for
            descending.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CollectionUserOut | ErrorOut]
    """

    kwargs = _get_kwargs(
        page=page,
        per_page=per_page,
        q=q,
        sort=sort,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    page: int | Unset = 1,
    per_page: int | Unset = 10,
    q: None | str | Unset = UNSET,
    sort: None | Unset | UsersListUsersUsersGetSortType0 = UNSET,
) -> CollectionUserOut | ErrorOut | None:
    """List users

    Args:
        page (int | Unset): Page number, from 1. Default: 1.
        per_page (int | Unset): Items per page; values above 100 are clamped to 100. Default: 10.
        q (None | str | Unset): Search in username and about_me.
        sort (None | Unset | UsersListUsersUsersGetSortType0): Sort field; prefix with - for
            descending.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CollectionUserOut | ErrorOut
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            per_page=per_page,
            q=q,
            sort=sort,
        )
    ).parsed
