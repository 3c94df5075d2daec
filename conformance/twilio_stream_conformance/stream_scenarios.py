"""The Streams the stream-effects judge creates, and how each is created and stopped.

Together they cover every `Track` (and the default), a Stream with and without a `Name`, custom
parameters (several pairs, non-ASCII included), `GET` and `POST` status callbacks (and the default
method), stops by SID and by name, and a `Url` nobody answers (which must be reported as `stream-error`).
Each runs on a call of its own, so that no limit of a call (four tracks, unique names) couples them
(on one live call, `--call-sid`, the judge runs them in batches within its track limit instead), and
has paths of its own on the receiver and the recorder (`/media/<name>`, `/callbacks/<name>`), so
that what arrives is attributed to it even when its messages are wrong.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import twilio_stream_contract as contract
from twilio_stream_contract import callbacks

# The REST values, read from the contract: `Track` and `StatusCallbackMethod`.
TRACKS = contract.CREATE_BODY.enums["Track"]
GET, POST = sorted(callbacks.METHODS)

# Custom parameters a Stream is created with, sent back in `start.customParameters`: plain ASCII,
# accented Latin and a symbol outside the Basic Multilingual Plane.
PARAMETERS: tuple[tuple[str, str], ...] = (
    ("FirstName", "Jane"),
    ("Ciudad", "São Paulo"),
    ("Anruf", "☎ 📞 Zoë"),
)


@dataclass(frozen=True)
class Scenario:
    """One Stream to create, let run, stop and judge.

    ``track`` and ``callback_method`` are the create's fields, or None to leave them out (the
    contract's defaults apply); ``reachable`` False gives a `Url` where nothing listens.
    """

    name: str
    track: str | None = None
    stream_name: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    callback_method: str | None = None
    stop_by_name: bool = False
    reachable: bool = True

    @property
    def expected_tracks(self) -> tuple[str, ...]:
        """The message tracks (`inbound`, `outbound`) the Stream must carry."""
        return contract.TRACKS_OF[self.track or contract.DEFAULT_TRACK]

    @property
    def method(self) -> str:
        """The method the status callbacks must use."""
        return self.callback_method or contract.DEFAULT_STATUS_CALLBACK_METHOD

    @property
    def media_path(self) -> str:
        return f"/media/{self.name}"

    @property
    def callback_path(self) -> str:
        return f"/callbacks/{self.name}"

    def create_form(self, url: str, status_callback: str) -> list[tuple[str, str]]:
        """The create's form fields, in the order they are sent."""
        form = [("Url", url)]
        if self.track is not None:
            form.append(("Track", self.track))
        if self.stream_name is not None:
            form.append(("Name", self.stream_name))
        form.append(("StatusCallback", status_callback))
        if self.callback_method is not None:
            form.append(("StatusCallbackMethod", self.callback_method))
        for number, (name, value) in enumerate(self.parameters, start=1):
            name_field, value_field = contract.custom_parameter_fields(number)
            form += [(name_field, name), (value_field, value)]
        return form

    def stop_target(self, sid: str) -> str:
        """The `Sid` path segment of the stop: the SID, or the name percent-encoded."""
        if self.stop_by_name and self.stream_name is not None:
            return quote(self.stream_name, safe="")
        return sid


def _scenarios() -> tuple[Scenario, ...]:
    inbound, outbound, both = (track for track in TRACKS)
    if contract.TRACKS_OF[both] != (*contract.TRACKS_OF[inbound], *contract.TRACKS_OF[outbound]):
        raise ImportError("openapi.yaml's Track values are no longer inbound, outbound and both, in that order")
    return (
        # Everything left to its default: inbound track, POST callbacks, no name, no parameters.
        Scenario("defaults"),
        Scenario(
            f"{inbound}-get-by-name",
            track=inbound,
            stream_name="conformance inbound Zoë",
            parameters=PARAMETERS,
            callback_method=GET,
            stop_by_name=True,
        ),
        Scenario(
            f"{outbound}-post-by-sid",
            track=outbound,
            stream_name="conformance-outbound",
            parameters=PARAMETERS[:1],
            callback_method=POST,
        ),
        Scenario(f"{both}-get-by-sid", track=both, parameters=PARAMETERS[1:], callback_method=GET),
        Scenario("unreachable-url", reachable=False),
    )


SCENARIOS = _scenarios()


def curl_create(base_url: str, account_sid: str, call_sid: str, form: Sequence[tuple[str, str]]) -> str:
    """The create as a curl command: credentials from the environment, never the token itself."""
    parts = ["curl", "-X", "POST", "-u", "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"]
    for name, value in form:
        parts += ["--data-urlencode", f"{name}={value}"]
    parts.append(base_url + contract.streams_path(account_sid, call_sid))
    return " ".join(f'"{part}"' if part.startswith("$TWILIO_") else shlex.quote(part) for part in parts)


def curl_stop(base_url: str, account_sid: str, call_sid: str, sid_or_name: str) -> str:
    """The stop as a curl command (`sid_or_name` already percent-encoded)."""
    parts = ["curl", "-X", "POST", "-u", "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"]
    for name, value in contract.STOP_FORM.items():
        parts += ["--data-urlencode", f"{name}={value}"]
    parts.append(base_url + contract.stream_uri(account_sid, call_sid, sid_or_name))
    return " ".join(f'"{part}"' if part.startswith("$TWILIO_") else shlex.quote(part) for part in parts)
