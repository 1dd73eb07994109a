import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.listing_post_out import ListingPostOut
from ...models.posts_list_posts_posts_get_sort_type_0 import PostsListPostsPostsGetSortType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    per_page: int | None | Unset = UNSET,
    author: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    sort: None | PostsListPostsPostsGetSortType0 | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor

    json_limit: int | None | Unset
    if isinstance(limit, Unset):
        json_limit = UNSET
    else:
        json_limit = limit
    params["limit"] = json_limit

    json_page: int | None | Unset
    if isinstance(page, Unset):
        json_page = UNSET
    else:
        json_page = page
    params["page"] = json_page

    json_per_page: int | None | Unset
    if isinstance(per_page, Unset):
        json_per_page = UNSET
    else:
        json_per_page = per_page
    params["per_page"] = json_per_page

    json_author: int | None | Unset
    if isinstance(author, Unset):
        json_author = UNSET
    else:
        json_author = author
    params["author"] = json_author

    json_q: None | str | Unset
    if isinstance(q, Unset):
        json_q = UNSET
    else:
        json_q = q
    params["q"] = json_q

    json_since: None | str | Unset
    if isinstance(since, Unset):
        json_since = UNSET
    elif isinstance(since, datetime.datetime):
        json_since = since.isoformat()
    else:
        json_since = since
    params["since"] = json_since

    json_sort: None | str | Unset
    if isinstance(sort, Unset):
        json_sort = UNSET
    elif isinstance(sort, PostsListPostsPostsGetSortType0):
        json_sort = sort.value
    else:
        json_sort = sort
    params["sort"] = json_sort

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/posts",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorOut | ListingPostOut | None:
    if response.status_code == 200:
        response_200 = ListingPostOut.from_dict(response.json())

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
) -> Response[ErrorOut | ListingPostOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    per_page: int | None | Unset = UNSET,
    author: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    sort: None | PostsListPostsPostsGetSortType0 | Unset = UNSET,
) -> Response[ErrorOut | ListingPostOut]:
    """Published posts

    Args:
        cursor (None | str | Unset): Opaque cursor from `_meta.next_cursor`.
        limit (int | None | Unset): Items per page (keyset mode); clamped to 100.
        page (int | None | Unset): Page number (page mode).
        per_page (int | None | Unset): Items per page (page mode).
        author (int | None | Unset): Only posts by this user id.
        q (None | str | Unset): Search in title and body.
        since (datetime.datetime | None | Unset): Only posts created at or after (no offset: UTC).
        sort (None | PostsListPostsPostsGetSortType0 | Unset): Page mode only; default
            -created_at.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | ListingPostOut]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        limit=limit,
        page=page,
        per_page=per_page,
        author=author,
        q=q,
        since=since,
        sort=sort,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    per_page: int | None | Unset = UNSET,
    author: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    sort: None | PostsListPostsPostsGetSortType0 | Unset = UNSET,
) -> ErrorOut | ListingPostOut | None:
    """Published posts

    Args:
        cursor (None | str | Unset): Opaque cursor from `_meta.next_cursor`.
        limit (int | None | Unset): Items per page (keyset mode); clamped to 100.
        page (int | None | Unset): Page number (page mode).
        per_page (int | None | Unset): Items per page (page mode).
        author (int | None | Unset): Only posts by this user id.
        q (None | str | Unset): Search in title and body.
        since (datetime.datetime | None | Unset): Only posts created at or after (no offset: UTC).
        sort (None | PostsListPostsPostsGetSortType0 | Unset): Page mode only; default
            -created_at.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | ListingPostOut
    """

    return sync_detailed(
        client=client,
        cursor=cursor,
        limit=limit,
        page=page,
        per_page=per_page,
        author=author,
        q=q,
        since=since,
        sort=sort,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    per_page: int | None | Unset = UNSET,
    author: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    sort: None | PostsListPostsPostsGetSortType0 | Unset = UNSET,
) -> Response[ErrorOut | ListingPostOut]:
    """Published posts

    Args:
        cursor (None | str | Unset): Opaque cursor from `_meta.next_cursor`.
        limit (int | None | Unset): Items per page (keyset mode); clamped to 100.
        page (int | None | Unset): Page number (page mode).
        per_page (int | None | Unset): Items per page (page mode).
        author (int | None | Unset): Only posts by this user id.
        q (None | str | Unset): Search in title and body.
        since (datetime.datetime | None | Unset): Only posts created at or after (no offset: UTC).
        sort (None | PostsListPostsPostsGetSortType0 | Unset): Page mode only; default
            -created_at.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | ListingPostOut]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        limit=limit,
        page=page,
        per_page=per_page,
        author=author,
        q=q,
        since=since,
        sort=sort,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    cursor: None | str | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    per_page: int | None | Unset = UNSET,
    author: int | None | Unset = UNSET,
    q: None | str | Unset = UNSET,
    since: datetime.datetime | None | Unset = UNSET,
    sort: None | PostsListPostsPostsGetSortType0 | Unset = UNSET,
) -> ErrorOut | ListingPostOut | None:
    """Published posts

    Args:
        cursor (None | str | Unset): Opaque cursor from `_meta.next_cursor`.
        limit (int | None | Unset): Items per page (keyset mode); clamped to 100.
        page (int | None | Unset): Page number (page mode).
        per_page (int | None | Unset): Items per page (page mode).
        author (int | None | Unset): Only posts by this user id.
        q (None | str | Unset): Search in title and body.
        since (datetime.datetime | None | Unset): Only posts created at or after (no offset: UTC).
        sort (None | PostsListPostsPostsGetSortType0 | Unset): Page mode only; default
            -created_at.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | ListingPostOut
    """

    return (
        await asyncio_detailed(
            client=client,
            cursor=cursor,
            limit=limit,
            page=page,
            per_page=per_page,
            author=author,
            q=q,
            since=since,
            sort=sort,
        )
    ).parsed
