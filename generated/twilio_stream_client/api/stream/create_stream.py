from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_stream_body import CreateStreamBody
from ...models.stream import Stream
from ...models.twilio_error import TwilioError
from ...types import Response


def _get_kwargs(
    account_sid: str,
    call_sid: str,
    *,
    body: CreateStreamBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}/Streams.json".format(
            account_sid=quote(str(account_sid), safe=""),
            call_sid=quote(str(call_sid), safe=""),
        ),
    }

    _kwargs["data"] = body.to_dict()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Stream | TwilioError | None:
    if response.status_code == 200:
        response_200 = Stream.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = TwilioError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = TwilioError.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = TwilioError.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = TwilioError.from_dict(response.json())

        return response_429

    # Any other error status: Twilio answers every error in its one shape, so such a body is read as
    # the default response; a body of another shape is an answer the contract does not describe.
    if response.status_code >= 400:
        try:
            response_default = TwilioError.from_dict(response.json())

            return response_default

        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            pass
    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Stream | TwilioError]:
    parsed = _parse_or_raise(client=client, response=response)
    try:
        status_code = HTTPStatus(response.status_code)
    except ValueError:
        # A code HTTPStatus does not know (520, 299...) is undocumented too; only reachable when
        # raise_on_unexpected_status is False, as _parse_or_raise has raised otherwise.
        raise errors.UnexpectedStatus(response.status_code, response.content) from None
    return Response(
        status_code=status_code,
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def _parse_or_raise(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Stream | TwilioError | None:
    # A body that is not JSON, or JSON of another shape, surfaces as one documented exception rather
    # than whatever the JSON decoder or a model's from_dict happens to raise.
    try:
        return _parse_response(client=client, response=response)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise errors.UnparseableResponse(
            response.status_code, response.content, f"{type(exc).__name__}: {exc}"
        ) from exc


def sync_detailed(
    account_sid: str,
    call_sid: str,
    *,
    client: AuthenticatedClient,
    body: CreateStreamBody,
) -> Response[Stream | TwilioError]:
    """Start a Stream

     Start a uni-directional Media Stream that forks the audio of a live call to a WebSocket URL. The new
    Stream answers with `status` `in-progress`.

    Args:
        account_sid (str): The SID of the [Account](https://www.twilio.com/docs/iam/api/account)
            that created this Stream resource.
        call_sid (str): The SID of the [Call](https://www.twilio.com/docs/voice/api/call-resource)
            the Stream resource is associated with.
        body (CreateStreamBody): The form body of a start. Custom parameters travel as pairs
            `Parameter<N>.Name` and `Parameter<N>.Value`, N from 1 to 99; Twilio hands them to your
            WebSocket server in the `start` message.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        errors.UnparseableResponse: If a documented status comes with a body that is not JSON of its schema.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Stream | TwilioError]
    """

    kwargs = _get_kwargs(
        account_sid=account_sid,
        call_sid=call_sid,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    account_sid: str,
    call_sid: str,
    *,
    client: AuthenticatedClient,
    body: CreateStreamBody,
) -> Stream | TwilioError | None:
    """Start a Stream

     Start a uni-directional Media Stream that forks the audio of a live call to a WebSocket URL. The new
    Stream answers with `status` `in-progress`.

    Args:
        account_sid (str): The SID of the [Account](https://www.twilio.com/docs/iam/api/account)
            that created this Stream resource.
        call_sid (str): The SID of the [Call](https://www.twilio.com/docs/voice/api/call-resource)
            the Stream resource is associated with.
        body (CreateStreamBody): The form body of a start. Custom parameters travel as pairs
            `Parameter<N>.Name` and `Parameter<N>.Value`, N from 1 to 99; Twilio hands them to your
            WebSocket server in the `start` message.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        errors.UnparseableResponse: If a documented status comes with a body that is not JSON of its schema.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Stream | TwilioError
    """

    return sync_detailed(
        account_sid=account_sid,
        call_sid=call_sid,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    account_sid: str,
    call_sid: str,
    *,
    client: AuthenticatedClient,
    body: CreateStreamBody,
) -> Response[Stream | TwilioError]:
    """Start a Stream

     Start a uni-directional Media Stream that forks the audio of a live call to a WebSocket URL. The new
    Stream answers with `status` `in-progress`.

    Args:
        account_sid (str): The SID of the [Account](https://www.twilio.com/docs/iam/api/account)
            that created this Stream resource.
        call_sid (str): The SID of the [Call](https://www.twilio.com/docs/voice/api/call-resource)
            the Stream resource is associated with.
        body (CreateStreamBody): The form body of a start. Custom parameters travel as pairs
            `Parameter<N>.Name` and `Parameter<N>.Value`, N from 1 to 99; Twilio hands them to your
            WebSocket server in the `start` message.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        errors.UnparseableResponse: If a documented status comes with a body that is not JSON of its schema.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Stream | TwilioError]
    """

    kwargs = _get_kwargs(
        account_sid=account_sid,
        call_sid=call_sid,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    account_sid: str,
    call_sid: str,
    *,
    client: AuthenticatedClient,
    body: CreateStreamBody,
) -> Stream | TwilioError | None:
    """Start a Stream

     Start a uni-directional Media Stream that forks the audio of a live call to a WebSocket URL. The new
    Stream answers with `status` `in-progress`.

    Args:
        account_sid (str): The SID of the [Account](https://www.twilio.com/docs/iam/api/account)
            that created this Stream resource.
        call_sid (str): The SID of the [Call](https://www.twilio.com/docs/voice/api/call-resource)
            the Stream resource is associated with.
        body (CreateStreamBody): The form body of a start. Custom parameters travel as pairs
            `Parameter<N>.Name` and `Parameter<N>.Value`, N from 1 to 99; Twilio hands them to your
            WebSocket server in the `start` message.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        errors.UnparseableResponse: If a documented status comes with a body that is not JSON of its schema.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Stream | TwilioError
    """

    return (
        await asyncio_detailed(
            account_sid=account_sid,
            call_sid=call_sid,
            client=client,
            body=body,
        )
    ).parsed
