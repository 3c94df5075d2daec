"""The edge of every answer: the CORS headers, one access-log line, and no answer without Twilio JSON.

A pure ASGI middleware, the outermost of the app's own (Starlette's ServerErrorMiddleware sits outside
it and never sees an exception: this one lets none out). Whatever happens below, the client gets a
Twilio-shaped error, never a traceback, and the traceback goes to the ``emulator.error`` log (which
never holds a request header). Starlette's own ``ServerErrorMiddleware`` would answer a plain-text 500:
``tests/test_emulator_middleware.py`` (``test_an_unexpected_exception_is_a_twilio_error_without_traceback``)
is what this middleware buys, with the CORS and access-log tests of ``test_emulator_app.py`` and
``test_emulator_access_log.py``.
"""

import logging
import sqlite3
from time import perf_counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from twilio_stream_contract import CORS_HEADERS

from twilio_stream_emulator import errors
from twilio_stream_emulator.access_log import ANSWERED_STATUS, log_request
from twilio_stream_emulator.errors import ApiError
from twilio_stream_emulator.forms import raw_path
from twilio_stream_emulator.responses import error_response

error_log = logging.getLogger("emulator.error")
# Encoded once: they are appended to every answer.
RAW_CORS_HEADERS = tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in CORS_HEADERS)


def _unexpected(exc: Exception) -> errors.TwilioError:
    # Another worker holding the write lock past busy_timeout: the client may retry, as after a 429.
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return errors.STORE_BUSY
    error_log.error("unexpected %s while answering a request", type(exc).__name__, exc_info=exc)
    return errors.INTERNAL_ERROR


def _log(scope: Scope, status: int, started: float) -> None:
    target = raw_path(scope)
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    client = scope.get("client")
    client_text = f"{client[0]}:{client[1]}" if client else "-"
    log_request(client_text, scope["method"].encode("latin-1"), target, status, perf_counter() - started)


class EdgeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 0

        async def send_with_cors(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *RAW_CORS_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception as exc:  # the last line of defence: answer in Twilio's words, log for us
            error = _unexpected(exc)
            if not status:
                await error_response(ApiError(error))(scope, receive, send_with_cors)
            # After the response started there is nothing left to tell the client; the log has it.
        finally:
            _log(scope, scope.get(ANSWERED_STATUS, status), started)
