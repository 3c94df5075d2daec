"""`Stream.date_updated_datetime`: the raw RFC 2822 string of `date_updated` as an aware datetime.

Twilio's own SDK drops the offset when it parses these dates; this client keeps it.
"""

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_client.models import Stream

# RFC 2822 zones are whole minutes: -2359 to +2359 (datetime.timezone's own bounds).
WHOLE_MINUTE_ZONES = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# RFC 2822 has no fractions of a second; years below 100 are read as two-digit years (RFC 2822, 4.3).
RFC_2822_DATETIMES = st.datetimes(
    min_value=datetime(100, 1, 2), max_value=datetime(9999, 12, 30), timezones=WHOLE_MINUTE_ZONES
).map(lambda moment: moment.replace(microsecond=0))


# Strings shaped like the contract's date_updated (its pattern admits 31 Feb and unknown zones too).
CONTRACT = yaml.safe_load((Path(__file__).resolve().parent.parent / "openapi.yaml").read_text(encoding="utf-8"))
DATE_UPDATED_PATTERN: str = CONTRACT["components"]["schemas"]["Stream"]["properties"]["date_updated"]["pattern"]
SEED_STREAM: dict[str, Any] = CONTRACT["components"]["responses"]["StreamStopped"]["content"]["application/json"][
    "examples"
]["stopped"]["value"]


def _stream(date_updated: str | None) -> Stream:
    return Stream.from_dict(SEED_STREAM | {"date_updated": date_updated})


def test_seed_date_reads_as_utc() -> None:
    parsed = _stream("Thu, 30 Jul 2015 20:00:00 +0000").date_updated_datetime

    assert parsed == datetime(2015, 7, 30, 20, 0, tzinfo=UTC)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


def test_offset_is_kept_not_converted() -> None:
    parsed = _stream("Thu, 30 Jul 2015 22:30:00 +0230").date_updated_datetime

    assert parsed is not None
    assert (parsed.hour, parsed.minute) == (22, 30)
    assert parsed.utcoffset() == timedelta(hours=2, minutes=30)
    assert parsed == datetime(2015, 7, 30, 20, 0, tzinfo=UTC)


@given(moment=RFC_2822_DATETIMES)
def test_any_rfc_2822_date_reads_back_with_its_offset(moment: datetime) -> None:
    stream = _stream(format_datetime(moment))

    parsed = stream.date_updated_datetime

    assert parsed == moment
    assert parsed is not None
    assert parsed.utcoffset() == moment.utcoffset()
    assert stream.date_updated == format_datetime(moment)  # the raw string stays as it came


def test_minus_zero_zone_reads_as_utc() -> None:
    # RFC 2822 writes "-0000" for "time in UTC, local zone unknown"; the result is still aware.
    parsed = _stream("Thu, 30 Jul 2015 20:00:00 -0000").date_updated_datetime

    assert parsed == datetime(2015, 7, 30, 20, 0, tzinfo=UTC)
    assert parsed is not None
    assert parsed.tzinfo is not None
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

    with pytest.raises(ValueError, match="RFC 2822"):
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
