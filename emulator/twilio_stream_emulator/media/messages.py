"""The text frames of a one-way Media Stream, as ``media-stream.asyncapi.yaml`` describes them.

``connected``, ``start`` and ``stop`` are written once per Stream with ``json.dumps``. ``media`` is
written up to fifty times a second per track and per Stream, so its frame is one f-string over values
that need no JSON escaping (digits, a track name, base64, a SID): the bench row "concurrent real-time
Streams" pays for it, and ``tests/test_emulator_media_messages.py`` proves the frame is the same JSON as
``json.dumps`` writes, and valid against the AsyncAPI schema.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from twilio_stream_contract import media as contract

# Each media frame is 20 ms of audio: its timestamp advances by this much per chunk.
FRAME_MS = 20


@dataclass(frozen=True, slots=True)
class StreamIds:
    """Who a Stream's frames are about."""

    stream_sid: str
    account_sid: str
    call_sid: str


def connected() -> str:
    return json.dumps(
        {"event": contract.CONNECTED, "protocol": contract.PROTOCOL, "version": contract.PROTOCOL_VERSION}
    )


def start(ids: StreamIds, tracks: Sequence[str], custom_parameters: Mapping[str, str]) -> str:
    """The first numbered message: ``sequenceNumber`` "1"."""
    return json.dumps(
        {
            "event": contract.START,
            "sequenceNumber": "1",
            "start": {
                "accountSid": ids.account_sid,
                "streamSid": ids.stream_sid,
                "callSid": ids.call_sid,
                "tracks": list(tracks),
                "customParameters": dict(custom_parameters),
                "mediaFormat": dict(contract.MEDIA_FORMAT),
            },
            "streamSid": ids.stream_sid,
        }
    )


def media(stream_sid: str, sequence_number: int, track: str, chunk: int, timestamp_ms: int, payload: str) -> str:
    """One chunk of one track. Every value is a string of digits, a track name, base64 or a SID."""
    return (
        f'{{"event": "{contract.MEDIA}", "sequenceNumber": "{sequence_number}", "media": {{"track": "{track}", '
        f'"chunk": "{chunk}", "timestamp": "{timestamp_ms}", "payload": "{payload}"}}, "streamSid": "{stream_sid}"}}'
    )


def stop(ids: StreamIds, sequence_number: int) -> str:
    return json.dumps(
        {
            "event": contract.STOP,
            "sequenceNumber": str(sequence_number),
            "stop": {"accountSid": ids.account_sid, "callSid": ids.call_sid},
            "streamSid": ids.stream_sid,
        }
    )


def custom_parameters(fields: Mapping[str, str]) -> dict[str, str]:
    """``start.customParameters`` from a create's ``ParameterN.Name``/``ParameterN.Value`` fields, in N order.

    A pair without a name is left out (a parameter needs a name); a name without a value maps to "".
    """
    pairs: list[tuple[int, str, str]] = []
    for key, name in fields.items():
        prefix, _, part = key.partition(".")
        number = prefix.removeprefix("Parameter")
        if part == "Name" and prefix.startswith("Parameter") and number.isdigit():
            pairs.append((int(number), name, fields.get(f"{prefix}.Value", "")))
    return {name: value for _, name, value in sorted(pairs)}
