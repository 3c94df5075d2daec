"""The parts of the stream-effect defects that are not a whole self-test run: how a defective server
rewrites a create's form, how its relay names the real URLs, and how the track-limit scenario reads the
answers it got. (tests/test_conformance_selftest.py runs every defect end to end.)"""

from urllib.parse import parse_qsl

import pytest
import twilio_stream_contract as contract
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_conformance.defects import DEFECTS, TracksCountedAsStreams, _rewrite_fields
from twilio_stream_conformance.media_relay import CALLBACK, RELAY, MediaRelay, Rewrites, decode, encode
from twilio_stream_conformance.stream_checks import CHECKS
from twilio_stream_conformance.stream_effects import TRACK_LIMIT_CHECK, track_limit_failure


@given(st.text())
def test_a_url_survives_its_trip_through_one_path_segment(url: str) -> None:
    segment = encode(url)

    assert "/" not in segment
    assert "?" not in segment
    assert "#" not in segment
    assert decode(segment) == url


def test_only_the_named_fields_change_and_every_other_byte_stays() -> None:
    body = b"Url=ws%3A%2F%2Fa&Track=both_tracks&x=%ZZ&&Track=%ff&Name"

    rewritten = _rewrite_fields(body, lambda name, value: "changed" if name == "Track" else value)

    assert rewritten == b"Url=ws%3A%2F%2Fa&Track=changed&x=%ZZ&&Track=%ff&Name"


def test_the_defect_of_the_track_limit_records_a_two_track_stream_as_one_track() -> None:
    two = contract.track_of_width(2)
    scope = {"type": "http", "path": contract.streams_path("AC" + "0" * 32, "CA" + "0" * 32)}

    rewritten = TracksCountedAsStreams().body(scope, f"Url=wss%3A%2F%2Fa&Track={two}".encode())

    (track,) = [value for name, value in parse_qsl(rewritten.decode()) if name == "Track"]
    assert len(contract.TRACKS_OF[track]) == 1


@pytest.mark.parametrize(
    ("name", "value", "prefix"),
    [("Url", "wss://example.com/media", RELAY), ("StatusCallback", "https://example.com/cb", CALLBACK)],
)
def test_the_relay_takes_the_place_of_a_url_and_knows_the_real_one(name: str, value: str, prefix: str) -> None:
    with MediaRelay(Rewrites(), auth_token="token") as relay:
        routed = relay.rewrite_field(name, value)

    assert routed.startswith(("ws://127.0.0.1:", "http://127.0.0.1:"))
    assert decode(routed.split(prefix, 1)[1]) == value


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("StatusCallback", ""),
        ("StatusCallback", "not a url"),
        ("Url", "https://example.com/not-a-websocket"),
        ("Url", " wss://example.com/padded"),
        ("Name", "wss://example.com/a-name-is-no-url"),
    ],
)
def test_the_relay_leaves_what_is_no_url_of_its_kind_for_the_emulator_to_refuse(name: str, value: str) -> None:
    with MediaRelay(Rewrites(), auth_token="token") as relay:
        assert relay.rewrite_field(name, value) == value


def test_the_track_limit_holds_when_the_fill_is_accepted_and_one_more_refused() -> None:
    assert track_limit_failure([200, 200, 400], fill=2) is None


@pytest.mark.parametrize(
    ("statuses", "says"),
    [
        ([200, 200, 200], "expected a 4xx for a Stream of one track"),
        ([200, 200, None], "expected a 4xx for a Stream of one track"),
        ([200, 200, 500], "got 500"),
        ([200, 400], "expected 200 for the 2 both_tracks Streams"),
        ([200], "expected 200 for the 2 both_tracks Streams"),
    ],
)
def test_the_track_limit_fails_on_a_refused_fill_or_an_accepted_extra(statuses: list[int | None], says: str) -> None:
    failure = track_limit_failure(statuses, fill=2)

    assert failure is not None
    assert says in failure


def test_each_defect_of_what_a_stream_does_is_caught_by_a_stream_check() -> None:
    names = {check.__name__ for check in CHECKS} | {TRACK_LIMIT_CHECK}
    stream_defects = [defect for defect in DEFECTS.values() if defect.stream_effect]

    assert len(stream_defects) >= 10
    assert {defect.check for defect in stream_defects} <= names
