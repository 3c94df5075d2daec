"""The one request every measurement sends, a stop of one Stream, and the bytes a server answers to it.

The answer is the contract's own example of a stopped Stream (``StreamStopped`` in ``openapi.yaml``),
so the floor server, the client benchmark and Prism all speak the same bytes. Paths, headers and the
form come from the contract module: nothing here restates the contract.
"""

import base64
import json
from pathlib import Path
from typing import Any

import twilio_stream_contract as contract

ROOT = Path(__file__).resolve().parent.parent

# Benchmark-only credentials: every server runs on loopback and is started with exactly these.
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105 - a local benchmark credential, not a secret
CALL_SID = "CA" + "c" * 32

STOP_FORM = dict(contract.STOP_FORM)


def stop_path(stream_sid: str) -> str:
    return contract.stream_uri(ACCOUNT_SID, CALL_SID, stream_sid)


def create_path() -> str:
    return contract.streams_path(ACCOUNT_SID, CALL_SID)


def basic_authorization(account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> str:
    """The value of the Authorization header that every client sends."""
    return "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")


def stopped_stream_example() -> dict[str, Any]:
    """The contract's example of a stopped Stream, rewritten to the benchmark's account and call."""
    examples = contract.document()["components"]["responses"]["StreamStopped"]["content"]["application/json"]
    stream: dict[str, Any] = dict(next(iter(examples["examples"].values()))["value"])
    stream["account_sid"] = ACCOUNT_SID
    stream["call_sid"] = CALL_SID
    stream["uri"] = stop_path(stream["sid"])
    return stream


def stopped_stream_bytes() -> bytes:
    return json.dumps(stopped_stream_example()).encode()
