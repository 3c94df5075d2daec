"""The contract module reads openapi.yaml right (contract/twilio_stream_contract).

What the document says is checked against Twilio's facts in test_contract.py; these check that the
module hands out what the document says, and what it derives from it.
"""

import re

import pytest
import twilio_stream_contract as contract
from hypothesis import given
from hypothesis import strategies as st

SID_PATTERNS = [contract.ACCOUNT_SID, contract.CALL_SID, contract.STREAM_SID, contract.API_KEY_SID]


@pytest.mark.parametrize("pattern", SID_PATTERNS, ids=lambda pattern: pattern.pattern)
def test_a_new_sid_matches_its_pattern_and_is_lowercase(pattern: re.Pattern[str]) -> None:
    sids = {contract.new_sid(pattern) for _ in range(20)}

    assert all(pattern.fullmatch(sid) and sid[2:] == sid[2:].lower() for sid in sids)
    assert len(sids) == 20


@given(st.text())
def test_new_sid_refuses_a_pattern_that_is_no_sid(text: str) -> None:
    pattern = re.compile(re.escape(text))
    with pytest.raises(ValueError, match="not a SID pattern"):
        contract.new_sid(pattern)


@pytest.mark.parametrize("value", ["CA" + "a" * 32 + "\n", " CA" + "a" * 32, "CA" + "a" * 31, "CA" + "٣" * 32])
def test_a_pattern_rejects_what_json_schema_rejects(value: str) -> None:
    # Python's `$` matches before a final newline and `\d` any digit; fullmatch with [0-9] does neither.
    assert contract.CALL_SID.fullmatch(value) is None


def test_the_headers_of_every_answer_are_the_cors_headers_and_the_challenge() -> None:
    names = {name for name, _ in contract.CORS_HEADERS}

    assert names | {"WWW-Authenticate"} == contract.RESPONSE_HEADER_NAMES
    assert all(isinstance(value, str) and value for _, value in contract.CORS_HEADERS)
    # A YAML boolean example is written as HTTP writes it.
    assert dict(contract.CORS_HEADERS)["Access-Control-Allow-Credentials"] == "true"


def _filled(template: str) -> re.Pattern[str]:
    """The paths a template stands for: each `{Parameter}` one non-empty segment."""
    return re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)))


def test_paths_fill_the_documents_templates() -> None:
    account, call, sid = (contract.new_sid(pattern) for pattern in SID_PATTERNS[:3])

    assert {contract.CREATE_STREAM_PATH, contract.UPDATE_STREAM_PATH} == set(contract.document()["paths"])
    assert _filled(contract.CREATE_STREAM_PATH).fullmatch(contract.streams_path(account, call))
    assert _filled(contract.UPDATE_STREAM_PATH).fullmatch(contract.stream_uri(account, call, sid))
    assert contract.stream_uri(account, call, sid).split("/")[-1] == f"{sid}.json"
    # The Call's path is its Streams' path without `/Streams`.
    assert contract.call_path(account, call).removesuffix(".json") + "/Streams.json" == contract.streams_path(
        account, call
    )


def test_the_form_bodies_name_every_field_of_their_schemas() -> None:
    for body, schema in ((contract.CREATE_BODY, "CreateStreamBody"), (contract.UPDATE_BODY, "UpdateStreamBody")):
        document = contract.document()["components"]["schemas"][schema]
        assert body.fields == set(document["properties"])
        assert body.required == tuple(document["required"])
        assert set(body.enums) <= body.fields
        assert all(body.defaults[field] in body.enums[field] for field in body.defaults)


def test_tracks_of_maps_every_track_to_the_websocket_track_names() -> None:
    assert set(contract.TRACKS_OF) == set(contract.CREATE_BODY.enums["Track"])
    assert contract.DEFAULT_TRACK in contract.TRACKS_OF


@pytest.mark.parametrize("count", [1, 2])
def test_track_of_width_names_a_track_value_of_that_many_tracks(count: int) -> None:
    track = contract.track_of_width(count)

    assert track in contract.CREATE_BODY.enums["Track"]
    assert len(contract.TRACKS_OF[track]) == count


def test_no_track_value_streams_three_tracks() -> None:
    with pytest.raises(ValueError, match="no Track value carries 3 tracks"):
        contract.track_of_width(3)
