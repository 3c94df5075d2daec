"""Opening a Stream's WebSocket: which URLs the emulator dials, how it signs the handshake, and which of
Twilio's Stream errors each failure is.

- Schemes: ``wss`` (Twilio's only one) and ``ws`` (for local servers without TLS); any other scheme is
  error 31922, a URL that cannot be parsed 31923.
- Hosts: loopback addresses only (``localhost``, 127.0.0.0/8, ``::1``) unless the emulator was started
  with ``--dial-any-host``: a refused dial is error 31901 ("the connect request got no response"), never a
  silent success.
- The query string is left out, as Twilio connects without it (custom values belong in the Stream's
  parameters); the handshake carries ``X-Twilio-Signature`` over the URL it dials, with no parameters.
"""

import asyncio
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from twilio_stream_contract import callbacks
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

from twilio_stream_emulator import errors
from twilio_stream_emulator.loopback import is_loopback
from twilio_stream_emulator.signature import compute_signature

SCHEMES = ("wss", "ws")
# A media frame is a few hundred bytes; the app may send more, but nothing a one-way Stream reads.
MAX_INCOMING_MESSAGE_BYTES = 64 * 1024


class DialFailed(Exception):
    """The Stream's WebSocket could not be opened: which Twilio error, and what happened."""

    def __init__(self, failure: errors.StreamFailure, detail: str) -> None:
        super().__init__(failure.text(detail))
        self.failure = failure
        self.detail = detail


@dataclass(frozen=True, slots=True)
class DialPolicy:
    """Where the emulator may dial, and how long it waits for the handshake."""

    any_host: bool = False
    timeout_s: float = 5.0
    ca_file: str | None = None

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)


def target(url: str, policy: DialPolicy) -> str:
    """The URL to dial for a Stream's ``Url``, or DialFailed."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as error:
        raise DialFailed(errors.STREAM_MALFORMED_URL, f"cannot parse the Url ({error})") from None
    if parts.scheme.lower() not in SCHEMES:
        raise DialFailed(errors.STREAM_SCHEME, f"the Url's scheme is {parts.scheme!r}, not wss (or ws)")
    if not host:
        raise DialFailed(errors.STREAM_MALFORMED_URL, "the Url has no host")
    if not policy.any_host and not is_loopback(host):
        raise DialFailed(
            errors.STREAM_TIMEOUT,
            f"the emulator dials loopback addresses only (start it with --dial-any-host to reach {host})",
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def loggable(url: str) -> str:
    """The URL without userinfo (a password in a URL is a credential) and without the query."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return "<malformed Url>"


async def open_stream(url: str, auth_token: str, policy: DialPolicy) -> ClientConnection:
    """Dial the app's WebSocket server for a Stream (the URL from ``target``); DialFailed if it fails."""
    signature = compute_signature(auth_token, url)
    try:
        return await connect(
            url,
            additional_headers={callbacks.SIGNATURE_HEADER: signature},
            open_timeout=policy.timeout_s,
            ssl=policy.ssl_context() if url.lower().startswith("wss:") else None,
            compression=None,  # frames are base64 text of mu-law: they do not compress, and each costs CPU
            max_size=MAX_INCOMING_MESSAGE_BYTES,
            ping_interval=None,  # Twilio documents no keepalive; the app's own pings are still answered
        )
    except InvalidStatus as error:
        raise DialFailed(
            errors.STREAM_HANDSHAKE, f"the upgrade was answered {error.response.status_code}, not 101"
        ) from None
    except InvalidURI as error:
        raise DialFailed(errors.STREAM_MALFORMED_URL, str(error)) from None
    except InvalidHandshake as error:
        raise DialFailed(errors.STREAM_HANDSHAKE, f"the handshake failed ({error})") from None
    except ssl.SSLError as error:
        raise DialFailed(errors.STREAM_TLS, f"TLS could not be established ({error.reason or error})") from None
    except TimeoutError:
        raise DialFailed(errors.STREAM_TIMEOUT, f"no answer within {policy.timeout_s:g} s") from None
    except ConnectionRefusedError:
        raise DialFailed(errors.STREAM_REFUSED, "the connection was refused") from None
    except socket.gaierror as error:
        raise DialFailed(errors.STREAM_TIMEOUT, f"the host name does not resolve ({error.strerror})") from None
    except (OSError, asyncio.IncompleteReadError, EOFError) as error:
        raise DialFailed(errors.STREAM_REFUSED, f"the connection failed ({error})") from None
