"""``X-Twilio-Signature``: how Twilio signs the requests it makes, and how a receiver checks them.

Twilio signs every request it sends to an app (status callbacks, the WebSocket upgrade of a Media
Stream) with the account's Auth Token (Twilio's Webhooks security page). The emulator signs with
:func:`compute_signature`; the test kit and anyone else check with :func:`is_valid_signature`. This is
the one place in the emulator that knows the algorithm, which is twilio-python's
``twilio.request_validator.RequestValidator`` (the reference; the tests prove this module against it):

1. Start with the URL exactly as given: scheme, host, optional port, path, query.
2. For each parameter name in code-point order (``sorted``: upper case before lower case), for each of
   its distinct values in code-point order, append ``name + value``, no separators. A GET request has
   its parameters in the URL's query and signs no params; a POST form signs its fields here.
3. HMAC-SHA1 keyed with the Auth Token (UTF-8) over that string (UTF-8), in standard base64 with padding.

A receiver cannot know whether the sender counted the port (Twilio signs ``https`` voice callbacks
without it and ``http`` ones with it), so validation accepts a signature of the URL with any explicit
port removed, or with the scheme's default port added when none is given (``:443`` for ``https``, ``:80``
for any other scheme, ``ws`` and ``wss`` included, as twilio-python does).
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import ParseResult, urlparse

# WebSocket upgrades carry the header lowercase (Webhooks security page); HTTP header names are
# case-insensitive, so a receiver compares it lowercased.

# A parameter's values: one string, or several (a form field repeated, e.g. ``a=1&a=2``).
Params = Mapping[str, str | Sequence[str]]


def _values(value: str | Sequence[str]) -> Iterable[str]:
    # A str is a Sequence[str] too: one value, not its characters.
    return (value,) if isinstance(value, str) else value


def _signed_text(url: str, params: Params | None) -> str:
    text = url
    for name in sorted(set(params or {})):
        # Repeated identical values count once (twilio-python 7.14.1 and later).
        for value in sorted(set(_values((params or {})[name]))):
            text += name + value
    return text


def compute_signature(auth_token: str, url: str, params: Params | None = None) -> str:
    """The ``X-Twilio-Signature`` value of a request to ``url`` carrying the form ``params``.

    For a GET request (or a WebSocket upgrade) pass the full URL with its query string and no params.
    """
    mac = hmac.new(auth_token.encode("utf-8"), _signed_text(url, params).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def _port(parts: ParseResult) -> int | None:
    try:
        return parts.port
    except ValueError:  # not a number, or out of range: there is no port to add or remove
        return None


def _without_port(parts: ParseResult) -> str:
    port = _port(parts)
    if not port:
        return parts.geturl()
    return parts._replace(netloc=parts.netloc.removesuffix(f":{port}")).geturl()


def _with_port(parts: ParseResult) -> str:
    if _port(parts):
        return parts.geturl()
    default = 443 if parts.scheme == "https" else 80
    return parts._replace(netloc=f"{parts.netloc}:{default}").geturl()


def signed_url_variants(url: str) -> tuple[str, str]:
    """The two URLs a signature of ``url`` may have been made over: without its port, and with one."""
    parts = urlparse(url)
    return _without_port(parts), _with_port(parts)


def is_valid_signature(auth_token: str, url: str, params: Params | None, signature: str) -> bool:
    """Whether ``signature`` is Twilio's signature of a request to ``url`` with the form ``params``, made
    with ``auth_token``: over the URL without its port or with it (see the module's docstring).

    Each comparison is constant-time (``hmac.compare_digest``), so the answer's timing tells an attacker
    nothing about how much of a forged signature was right.
    """
    given = signature.encode("utf-8")
    matches = [
        hmac.compare_digest(compute_signature(auth_token, variant, params).encode("ascii"), given)
        for variant in signed_url_variants(url)
    ]
    return any(matches)
