"""Strict decoding of bodies, form fields and path segments (emulator/forms.py)."""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_emulator import errors
from twilio_stream_emulator.errors import ApiError
from twilio_stream_emulator.forms import check_content_type, parse_form, percent_decode

ALLOWED = frozenset({"Name", "Url"})


@given(st.text())
def test_percent_decode_inverts_quote(text: str) -> None:
    assert percent_decode(quote(text, safe="")) == text


@given(st.dictionaries(st.sampled_from(sorted(ALLOWED)), st.text()))
def test_parse_form_inverts_urlencode(fields: dict[str, str]) -> None:
    assert parse_form(urlencode(fields).encode("ascii"), ALLOWED) == fields


@pytest.mark.parametrize("text", ["%", "%4", "%zz", "a%g0", "%ff", "%c3%28", "%ed%a0%80"])
def test_percent_decode_refuses_malformed_escapes_and_invalid_utf_8(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the one error this function raises
        percent_decode(text)


def test_plus_is_a_space_only_in_forms() -> None:
    assert (percent_decode("a+b"), percent_decode("a+b", plus_is_space=True)) == ("a+b", "a b")


def test_parse_form_skips_empty_pairs_and_takes_a_bare_key_as_empty() -> None:
    assert parse_form(b"&Name&&Url=x&", ALLOWED) == {"Name": "", "Url": "x"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"Name=\xff", errors.MALFORMED_FORM),
        (b"Name=%E2%98", errors.MALFORMED_FORM),
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_parse_form_refuses_what_it_cannot_decode(body: bytes, error: errors.TwilioError, strict: bool) -> None:
    with pytest.raises(ApiError) as raised:
        parse_form(body, ALLOWED, strict=strict)

    assert raised.value.error is error


def test_parse_form_ignores_unknown_fields_and_keeps_the_first_of_repeated_ones() -> None:
    assert parse_form(b"Other=1&Name=1&Name=2&Url=x", ALLOWED) == {"Name": "1", "Url": "x"}


@pytest.mark.parametrize(
    ("body", "error"), [(b"Other=1", errors.UNKNOWN_PARAMETER), (b"Name=1&Name=2", errors.REPEATED_PARAMETER)]
)
def test_strict_parse_form_refuses_unknown_and_repeated_fields(body: bytes, error: errors.TwilioError) -> None:
    with pytest.raises(ApiError) as raised:
        parse_form(body, ALLOWED, strict=True)

    assert raised.value.error is error


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "Application/X-WWW-Form-Urlencoded",
        "application/x-www-form-urlencoded; charset=utf-8",
        'application/x-www-form-urlencoded;charset="UTF-8"',
    ],
)
def test_form_content_types_are_accepted(content_type: str) -> None:
    check_content_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=latin-1"],
)
def test_other_content_types_are_refused(content_type: str | None) -> None:
    with pytest.raises(ApiError) as raised:
        check_content_type(content_type)

    assert raised.value.error is errors.UNSUPPORTED_CONTENT_TYPE
