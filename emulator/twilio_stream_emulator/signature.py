"""``X-Twilio-Signature``: how Twilio signs what it sends (webhooks, status callbacks, a Media Stream's
handshake), after Twilio's webhook security page.

The URL exactly as given, then for each parameter name in sorted order each of its distinct values in
sorted order, name and value appended with no separator; HMAC-SHA1 of that, keyed with the account's
Auth Token; standard base64. A GET request signs its full URL, query included, and no parameters.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping


def compute_signature(auth_token: str, url: str, params: Mapping[str, str | Iterable[str]] | None = None) -> str:
    """The value of ``X-Twilio-Signature`` for a request to ``url`` with these POST parameters."""
    message = url
    for name in sorted(params or {}):
        value = (params or {})[name]
        values = [value] if isinstance(value, str) else list(value)
        for each in sorted(set(values)):
            message += name + each
    digest = hmac.new(auth_token.encode("utf-8"), message.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")
