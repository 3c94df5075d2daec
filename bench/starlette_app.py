"""A second floor: the same fixed answer behind a Starlette route that reads and parses the form.

Between the bare ASGI floor and the emulator it shows how much of the gap the web framework and form
parsing take, and so how much is left to the emulator's own work (auth, the store, rendering).
"""

from urllib.parse import parse_qsl

import twilio_stream_contract as contract
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.bare_app import BODY, HEADERS, STATUS

# Starlette sets content-length itself.
_HEADERS = {name.decode(): value.decode() for name, value in HEADERS if name != b"content-length"}


async def stop_stream(request: Request) -> Response:
    # Starlette's request.form() needs python-multipart; a urlencoded body parses with the standard library.
    parse_qsl((await request.body()).decode(), strict_parsing=True)
    return Response(BODY, status_code=STATUS, headers=_HEADERS)


app = Starlette(routes=[Route(contract.UPDATE_STREAM_PATH, stop_stream, methods=["POST"])])
