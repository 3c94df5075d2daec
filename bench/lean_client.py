"""A lean HTTP/1.1 client for the durable-writes benchmark: one kept-alive connection, requests written as
bytes, answers read by their Content-Length.

Why not httpx: measured beside the emulator, httpx's ``AsyncClient`` spent more CPU per request than the
emulator it was measuring, and a whole core at concurrency 32, so those rows measured the client, not
the write path. This client does only what the rows need from the emulator's answers (a status line,
headers with a Content-Length, a JSON body; never chunked), at a small fraction of httpx's cost, and
refuses anything else rather than guess.
"""

import asyncio
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.fixture import basic_authorization

HEAD_LIMIT = 64 * 1024


class UnexpectedAnswer(Exception):
    """The server answered something this client does not read (no Content-Length, a closed connection)."""


class LeanClient:
    """One connection to ``base_url``; ``post`` sends a form and returns (status, JSON body)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self._reader = reader
        self._writer = writer
        self._head = f"Host: {host}\r\nAuthorization: {basic_authorization()}\r\n".encode("latin-1")

    @classmethod
    async def open(cls, base_url: str) -> "LeanClient":
        url = urlsplit(base_url)
        if url.hostname is None or url.port is None:
            raise ValueError(f"{base_url} names no host and port")
        reader, writer = await asyncio.open_connection(url.hostname, url.port, limit=HEAD_LIMIT)
        return cls(reader, writer, url.netloc)

    async def post(self, path: str, form: dict[str, str]) -> tuple[int, Any]:
        body = urlencode(form).encode()
        self._writer.write(
            b"POST "
            + path.encode("ascii")
            + b" HTTP/1.1\r\n"
            + self._head
            + b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            raise UnexpectedAnswer(f"no complete answer head ({type(error).__name__})") from None
        status_line, *headers = head.decode("latin-1").split("\r\n")
        length = next(
            (int(value) for name, _, value in (h.partition(":") for h in headers) if name.lower() == "content-length"),
            None,
        )
        if length is None:
            raise UnexpectedAnswer(f"an answer without Content-Length: {status_line!r}")
        return int(status_line.split(" ", 2)[1]), json.loads(await self._reader.readexactly(length))

    async def aclose(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()
