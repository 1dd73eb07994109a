from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_out import ErrorOut
from ...models.task_create import TaskCreate
from ...models.task_out import TaskOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: TaskCreate,
    x_request_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/tasks",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorOut | TaskOut | None:
    if response.status_code == 201:
        response_201 = TaskOut.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorOut.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorOut.from_dict(response.json())

        return response_401

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorOut | TaskOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TaskCreate,
    x_request_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorOut | TaskOut]:
    """Add a task

     Adds a task to your list; 201 with it and its URL in Location. Honours Idempotency-Key.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        idempotency_key (str | Unset): Any 1-255 visible ASCII characters: a retry with the same
            key and body replays the first response (docs/reference.md#idempotency). Example:
            7c8e0f3a-5b1d-4e2a-9c6f-2d4b8a1e3f90.
        body (TaskCreate): A new task on your list. Example: {'description': 'Milk, cheese',
            'done': False, 'title': 'Buy groceries'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | TaskOut]
    """

    kwargs = _get_kwargs(
        body=body,
        x_request_id=x_request_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: TaskCreate,
    x_request_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ErrorOut | TaskOut | None:
    """Add a task

     Adds a task to your list; 201 with it and its URL in Location. Honours Idempotency-Key.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        idempotency_key (str | Unset): Any 1-255 visible ASCII characters: a retry with the same
            key and body replays the first response (docs/reference.md#idempotency). Example:
            7c8e0f3a-5b1d-4e2a-9c6f-2d4b8a1e3f90.
        body (TaskCreate): A new task on your list. Example: {'description': 'Milk, cheese',
            'done': False, 'title': 'Buy groceries'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | TaskOut
    """

    return sync_detailed(
        client=client,
        body=body,
        x_request_id=x_request_id,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TaskCreate,
    x_request_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorOut | TaskOut]:
    """Add a task

     Adds a task to your list; 201 with it and its URL in Location. Honours Idempotency-Key.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        idempotency_key (str | Unset): Any 1-255 visible ASCII characters: a retry with the same
            key and body replays the first response (docs/reference.md#idempotency). Example:
            7c8e0f3a-5b1d-4e2a-9c6f-2d4b8a1e3f90.
        body (TaskCreate): A new task on your list. Example: {'description': 'Milk, cheese',
            'done': False, 'title': 'Buy groceries'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorOut | TaskOut]
    """

    kwargs = _get_kwargs(
        body=body,
        x_request_id=x_request_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: TaskCreate,
    x_request_id: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ErrorOut | TaskOut | None:
    """Add a task

     Adds a task to your list; 201 with it and its URL in Location. Honours Idempotency-Key.

    Args:
        x_request_id (str | Unset): Your id for this request, echoed in X-Request-ID and error
            bodies when it is 1-128 of A-Z a-z 0-9 . _ - (otherwise the server makes one). Example:
            3f2b9c1e-checkout.
        idempotency_key (str | Unset): Any 1-255 visible ASCII characters: a retry with the same
            key and body replays the first response (docs/reference.md#idempotency). Example:
            7c8e0f3a-5b1d-4e2a-9c6f-2d4b8a1e3f90.
        body (TaskCreate): A new task on your list. Example: {'description': 'Milk, cheese',
            'done': False, 'title': 'Buy groceries'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorOut | TaskOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_request_id=x_request_id,
            idempotency_key=idempotency_key,
        )
    ).parsed
