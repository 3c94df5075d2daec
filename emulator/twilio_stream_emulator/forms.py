"""Reading and decoding what the client sent: the body, its form fields and the path segments.

Everything here is strict on purpose: a malformed escape (``%zz``), bytes that are not UTF-8 or a
repeated field are rejected rather than guessed at, so that a value is never stored in a form the
client did not mean.
"""

import re
from urllib.parse import unquote_to_bytes

from starlette.types import Scope

from twilio_stream_emulator import errors
from twilio_stream_emulator.errors import ApiError

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def percent_decode(text: str, *, plus_is_space: bool = False) -> str:
    """Decode ``%XX`` escapes as UTF-8; raise ValueError on a malformed escape or invalid UTF-8.

    ``+`` means a space in a form body (``plus_is_space``) but is itself in a path.
    """
    if plus_is_space and "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    if _BAD_ESCAPE.search(text):
        raise ValueError("malformed percent-encoding")
    return unquote_to_bytes(text).decode("utf-8")  # UnicodeDecodeError is a ValueError


def raw_path(scope: Scope) -> bytes:
    """The path as the client sent it, still percent-encoded (``path`` is decoded: ``%2F`` is ``/`` there)."""
    raw: bytes | None = scope.get("raw_path")
    return raw if raw else scope["path"].encode("utf-8")


def check_content_type(content_type: str | None) -> None:
    """Accept ``application/x-www-form-urlencoded`` with no charset or with ``charset=utf-8``."""
    if content_type is None:
        raise ApiError(errors.UNSUPPORTED_CONTENT_TYPE)
    media_type, _, parameters = content_type.partition(";")
    if media_type.strip().lower() != FORM_CONTENT_TYPE:
        raise ApiError(errors.UNSUPPORTED_CONTENT_TYPE)
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise ApiError(errors.UNSUPPORTED_CONTENT_TYPE)


def parse_form(body: bytes, known: frozenset[str], *, strict: bool = False) -> dict[str, str]:
    """The known fields of a form body; 400 for non-UTF-8 bytes or bad escapes.

    As Twilio does, a field the API does not know is ignored (a misspelled or newer parameter is
    dropped, and the request is answered as if it were absent), and of a field given twice the first
    value counts. ``strict`` (``--strict-forms``) refuses both instead, with a 400 naming the field.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(errors.MALFORMED_FORM) from None
    fields: dict[str, str] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        try:
            key = percent_decode(raw_key, plus_is_space=True)
            value = percent_decode(raw_value, plus_is_space=True)
        except ValueError:
            raise ApiError(errors.MALFORMED_FORM) from None
        if key not in known:
            if strict:
                raise ApiError(errors.UNKNOWN_PARAMETER, parameter=key)
        elif key in fields:
            if strict:
                raise ApiError(errors.REPEATED_PARAMETER, parameter=key)
        else:
            fields[key] = value
    return fields
