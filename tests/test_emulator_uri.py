"""``format: uri`` in the emulator agrees with a JSON Schema format checker (emulator/uri.py).

A conformance fuzzer judges generated values with ``jsonschema_rs``: if the two disagreed, it could
send a value the contract accepts and see it refused (or the reverse).
"""

import jsonschema_rs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls
from twilio_stream_emulator.uri import is_absolute_uri

from tests.property_budget import examples

FORMAT_CHECKER = jsonschema_rs.validator_for({"type": "string", "format": "uri"}, validate_formats=True)

# The characters that matter to RFC 3986, a few that it forbids, and some beyond ASCII.
_URI_ALPHABET = "aZ09+-._~:/?#[]@!$&'()*,;=%  \"<>\\^`{|}\n\t\x00éü☃vV"
_PIECES = st.sampled_from(
    ["http", "wss", "a+b", "1x", ":", "//", "/", "?", "#", "[", "]", "@", "::1", "v1.x", "1.2.3.4", "%41", "%4", "%zz"]
)


@pytest.mark.parametrize(
    "value",
    [
        "wss://example.com/media",
        "https://user:pass@example.com:8080/p/a/t/h?q=1&r=%20#frag",
        "mailto:someone@example.com",
        "urn:isbn:0451450523",
        "a:",
        "http://[::1]:80/",
        "http://[v7.fe80::a+b]/",
        "http://example.com:99999/",
    ],
)
def test_absolute_uris_are_accepted(value: str) -> None:
    assert is_absolute_uri(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "/relative",
        "//example.com/no-scheme",
        "1http://example.com",
        "http://exa mple.com",
        "http://example.com/ä",
        "http://example.com/%zz",
        "http://[1.2.3.4]/",
        "http://[fe80::1%25eth0]/",
        "http://example.com/#a#b",
        "http://example.com\n",
    ],
)
def test_everything_else_is_refused(value: str) -> None:
    assert not is_absolute_uri(value)


@settings(max_examples=examples(400), deadline=None)
@given(st.text(alphabet=_URI_ALPHABET, max_size=30) | st.lists(_PIECES, max_size=8).map("".join) | urls())
@example("http://[V1.x]/")
@example("http://[::ffff:1.2.3.4]/")
def test_agrees_with_jsonschema_rs(value: str) -> None:
    assert is_absolute_uri(value) == FORMAT_CHECKER.is_valid(value), value
