"""The one request every measurement sends, a stop of one Stream, and the bytes a server answers to it.

The answer is the contract's own example of a stopped Stream (``StreamStopped`` in ``openapi.yaml``),
so the floor server, the client benchmark and Prism all speak the same bytes.
"""

import base64
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "openapi.yaml"

# Benchmark-only credentials: every server runs on loopback and is started with exactly these.
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"  # noqa: S105 - a local benchmark credential, not a secret
CALL_SID = "CA" + "c" * 32

STOP_FORM = {"Status": "stopped"}
STOP_BODY = b"Status=stopped"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# Twilio's values for the five CORS headers that the contract requires on every answer.
CORS_HEADERS: dict[str, str] = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type, If-Match, If-Modified-Since, "
    "If-None-Match, If-Unmodified-Since",
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "ETag",
}


def stop_path(stream_sid: str, account_sid: str = ACCOUNT_SID, call_sid: str = CALL_SID) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}/Streams/{stream_sid}.json"


def create_path(account_sid: str = ACCOUNT_SID, call_sid: str = CALL_SID) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}/Streams.json"


def basic_authorization(account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> str:
    """The value of the Authorization header that every client sends."""
    return "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")


def stopped_stream_example() -> dict[str, Any]:
    """The contract's example of a stopped Stream, rewritten to the benchmark's account and call."""
    contract = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    example = contract["components"]["responses"]["StreamStopped"]["content"]["application/json"]["examples"]
    stream: dict[str, Any] = dict(example["stopped"]["value"])
    stream["account_sid"] = ACCOUNT_SID
    stream["call_sid"] = CALL_SID
    stream["uri"] = stop_path(stream["sid"])
    return stream


def stopped_stream_bytes() -> bytes:
    return json.dumps(stopped_stream_example()).encode()
