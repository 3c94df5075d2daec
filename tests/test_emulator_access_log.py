"""One escaped line per request, never a credential (emulator/access_log.py)."""

import asyncio
import logging
import re

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_emulator.access_log import UNFILLED_RECORD_FIELDS, escape_for_log, lighten_log_records
from twilio_stream_emulator.server import logging_config

from tests.emulator_server import AUTH_TOKEN, emulator_client, stream_path, streams_path

LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO emulator\.access \[\d+\] \S+ \"[A-Z]+ \S+\" \d{3} \d+\.\d\dms"
)
# The emulator's own log format, as its command line configures it.
FORMATTER = logging.Formatter(logging_config("info")["formatters"]["line"]["format"])


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [FORMATTER.format(record) for record in caplog.records if record.name == "emulator.access"]


@pytest.mark.anyio
async def test_one_line_per_request_without_credentials(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="emulator.access")

    async with emulator_client() as client:
        await client.post(streams_path(), data={"Url": "wss://example.com/"})
        await client.post(stream_path("a%0D%0Ab"), data={"Status": "stopped"})
        await client.post(
            stream_path("x"), data={"Status": "stopped"}, headers={"Authorization": "Basic c2VjcmV0"}, auth=httpx.Auth()
        )

    lines = _lines(caplog)
    assert len(lines) == 3
    assert all(LINE.fullmatch(line) for line in lines), lines
    assert '"POST /2010-04-01/' in lines[0]
    assert " 200 " in lines[0]
    assert "/Streams/a%0D%0Ab.json" in lines[1]
    assert " 404 " in lines[1]
    assert " 401 " in lines[2]
    assert not any("Basic" in line or AUTH_TOKEN in line or "c2VjcmV0" in line for line in lines)


@pytest.mark.anyio
async def test_no_line_below_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="emulator.access")

    async with emulator_client() as client:
        await client.post(streams_path(), data={"Url": "wss://example.com/"})

    assert _lines(caplog) == []


def test_escape_for_log_leaves_no_line_break_or_control_byte() -> None:
    escaped = escape_for_log(b'/a\r\nFAKE 200 "x"\x00\x1b[31m\xff')

    assert escaped.isprintable()
    assert "\n" not in escaped
    assert escaped == '/a\\r\\nFAKE 200 \\"x\\"\\x00\\x1b[31m\\xff'


@given(st.binary())
def test_any_bytes_escape_to_one_printable_line_with_no_bare_quote(raw: bytes) -> None:
    escaped = escape_for_log(raw)

    assert escaped.isascii()
    assert escaped.isprintable()
    # Read left to right: escapes (a backslash and one character) and plain characters, never a bare quote.
    assert re.fullmatch(r'(?:\\.|[^"\\])*', escaped)


def _record_of_a_call(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    """A record logged from inside an asyncio task, as the emulator's are (so a task name can be filled)."""
    caplog.clear()

    async def log_a_line() -> None:
        logging.getLogger("tests.lightened").warning("a line")

    asyncio.run(log_a_line())
    (record,) = caplog.records
    return record


@pytest.mark.usefixtures("restored_logging_flags")
def test_lightened_records_leave_unfilled_exactly_the_fields_it_names(caplog: pytest.LogCaptureFixture) -> None:
    before = vars(_record_of_a_call(caplog))

    lighten_log_records()
    after = vars(_record_of_a_call(caplog))

    changed = {name for name in before if before[name] != after[name]}
    assert changed - {"created", "msecs", "relativeCreated"} == UNFILLED_RECORD_FIELDS


def test_the_log_format_shows_no_field_the_workers_skip() -> None:
    shown = set(re.findall(r"%\((\w+)\)", logging_config("info")["formatters"]["line"]["format"]))

    assert shown, "the format names the record fields it shows"
    assert not shown & UNFILLED_RECORD_FIELDS
