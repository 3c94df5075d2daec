"""The server a run judges: where it is, its credentials, and whether it answers at all.

A target that does not answer is not a target that does not conform: the runner probes it once, before
anything is judged, and says why it could not be reached instead of counting hundreds of connection
errors as failures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import twilio_stream_contract as contract
from twilio_stream_emulator import loopback

# One request, answered or not within this: a live API answers in well under a second.
PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Target:
    url: str
    account_sid: str
    auth_token: str


def is_loopback(url: str) -> bool:
    return loopback.is_loopback(urlsplit(url).hostname or "")


def _reason(error: httpx.HTTPError, timeout: float) -> str:
    """Why a request got no answer, in a few words: `connection refused`, `no answer within 5 s`..."""
    if isinstance(error, httpx.ConnectTimeout):
        return f"no connection within {timeout:.0f} s"
    if isinstance(error, httpx.TimeoutException):
        return f"no answer within {timeout:.0f} s"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"the connection ended without an answer: {error}"
    # `[Errno 111] Connection refused` -> `connection refused`
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(error).strip()) or type(error).__name__
    return text[:1].lower() + text[1:]


def probe(url: str, timeout: float = PROBE_TIMEOUT_S, transport: httpx.BaseTransport | None = None) -> str | None:
    """None when the target answers HTTP at all (any status), else why not.

    The request is an unauthenticated OPTIONS to the create path of a call nobody has: it reaches the
    route the suite will judge, needs no credentials, and changes nothing.
    """
    path = contract.streams_path(contract.new_sid(contract.ACCOUNT_SID), contract.new_sid(contract.CALL_SID))
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            client.options(url.rstrip("/") + path)
    except httpx.HTTPError as error:
        return _reason(error, timeout)
    return None


class NoAnswer(Exception):
    """The target did not answer the probe: nothing was judged."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"no answer from {url} ({reason})")
        self.url = url
        self.reason = reason
