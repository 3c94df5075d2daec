"""`<field>_datetime`: a `format: date-time-rfc-2822` field's raw RFC 2822 string as an aware datetime.

In the contract that is `Stream.date_updated`, read as `Stream.date_updated_datetime`. Twilio's own SDK
drops the offset when it parses these dates; this client keeps it. The standard library's
`email.utils.format_datetime` writes the dates the properties below read back.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest
import twilio_stream_client.models
import twilio_stream_contract as contract
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_client.models import Stream

from tests.client_contract import DOCUMENT, example_bodies

RFC_2822 = "date-time-rfc-2822"
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
STREAMS = example_bodies("Stream")
# Strings shaped like the contract's date_updated (its pattern admits 31 Feb and unknown zones too).
DATE_UPDATED_PATTERN: str = SCHEMAS["Stream"]["properties"]["date_updated"]["pattern"]

# RFC 2822 zones are whole minutes: -2359 to +2359 (datetime.timezone's own bounds).
WHOLE_MINUTE_ZONES = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# RFC 2822 has no fractions of a second; years below 100 are read as two-digit years (RFC 2822, 4.3).
NAIVE_MOMENTS = st.datetimes(min_value=datetime(100, 1, 2), max_value=datetime(9999, 12, 30)).map(
    lambda moment: moment.replace(microsecond=0)
)
AWARE_MOMENTS = st.builds(lambda moment, zone: moment.replace(tzinfo=zone), NAIVE_MOMENTS, WHOLE_MINUTE_ZONES)


def _stream(date_updated: str | None) -> Stream:
    return Stream.from_dict(STREAMS[0] | {"date_updated": date_updated})


def _rfc_2822_fields() -> set[tuple[str, str]]:
    """(schema, field) of each property of the contract's schemas whose format, through a $ref too, is
    RFC 2822. A model is named after its schema; Twilio's JSON names are snake_case, so are Python's."""
    return {
        (name, field)
        for name, schema in SCHEMAS.items()
        for field, field_schema in schema.get("properties", {}).items()
        if contract.resolve(field_schema).get("format") == RFC_2822
    }


def _datetime_views() -> set[tuple[str, str]]:
    """(model, field) of each `<field>_datetime` property of the generated models."""
    models = [(name, getattr(twilio_stream_client.models, name)) for name in twilio_stream_client.models.__all__]
    return {
        (name, attribute.removesuffix("_datetime"))
        for name, model in models
        if isinstance(model, type)
        for attribute, value in vars(model).items()
        if isinstance(value, property) and attribute.endswith("_datetime")
    }


def test_the_datetime_views_are_the_contracts_rfc_2822_fields() -> None:
    # model.py.jinja picks the fields by the format of their own schema; one behind a $ref would be missed.
    assert _datetime_views() == _rfc_2822_fields()
    assert ("Stream", "date_updated") in _rfc_2822_fields()


@pytest.mark.parametrize("stream", [body for body in STREAMS if body["date_updated"] is not None])
def test_every_date_of_the_contracts_examples_reads_back_as_written(stream: dict[str, Any]) -> None:
    parsed = Stream.from_dict(stream).date_updated_datetime

    assert parsed is not None
    assert format_datetime(parsed) == stream["date_updated"]


@given(moment=AWARE_MOMENTS)
def test_any_rfc_2822_date_reads_back_with_its_offset(moment: datetime) -> None:
    stream = _stream(format_datetime(moment))

    parsed = stream.date_updated_datetime

    assert parsed is not None
    assert (parsed, parsed.utcoffset(), parsed.replace(tzinfo=None)) == (
        moment,
        moment.utcoffset(),
        moment.replace(tzinfo=None),
    )  # the same instant, the same offset: the wall clock is kept, not converted
    assert stream.date_updated == format_datetime(moment)  # the raw string stays as it came


@given(moment=NAIVE_MOMENTS)
def test_a_date_without_zone_information_reads_as_utc(moment: datetime) -> None:
    # RFC 2822 writes "-0000" for "time in UTC, local zone unknown"; the result is still aware.
    written = format_datetime(moment)
    assert written.endswith(" -0000")

    parsed = _stream(written).date_updated_datetime

    assert parsed == moment.replace(tzinfo=UTC)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


def test_null_date_reads_as_none() -> None:
    assert _stream(None).date_updated_datetime is None


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "yesterday",
        "2015-07-30T20:00:00Z",
        "Thu, 31 Feb 2015 20:00:00 +0000",
        "Thu, 30 Jul 2015 25:00:00 +0000",
        "Thu, 30 Jul 99999999999 20:00:00 +0000",
        "Thu, 30 Jul 2015 20:00:00 +9999",
    ],
)
def test_malformed_date_raises_value_error(malformed: str) -> None:
    stream = _stream(malformed)

    with pytest.raises(ValueError, match=f"^{re.escape(f'not an RFC 2822 date: {malformed!r}')}$"):
        _ = stream.date_updated_datetime


@given(text=st.one_of(st.text(), st.from_regex(DATE_UPDATED_PATTERN, fullmatch=True)))
def test_any_string_reads_as_an_aware_datetime_or_raises_value_error(text: str) -> None:
    stream = _stream(text)

    try:
        parsed = stream.date_updated_datetime
    except ValueError:
        return
    assert parsed is not None
    assert parsed.tzinfo is not None
