"""What the checks and the defective servers both read off the wire: SIDs, basic credentials, JSON bodies.

Kept free of schemathesis so that a defective server (conformance/defects.py) starts as fast as the emulator.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def json_object(content: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (other checks judge that)."""
    try:
        body = json.loads(content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def basic_user(authorization: str | bytes) -> str | None:
    """The user (Account SID) of an HTTP basic Authorization value, or None when it is not one."""
    value = authorization.decode("latin-1") if isinstance(authorization, bytes) else authorization
    if not value.startswith("Basic "):
        return None
    try:
        return base64.b64decode(value[6:], validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None
