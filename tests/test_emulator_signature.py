"""twilio_stream_emulator.signature makes and checks X-Twilio-Signature exactly as Twilio does.

The oracle is Twilio's own `twilio.request_validator.RequestValidator` (twilio-python, pinned in the dev
group), never a second copy of our code: the published vectors, then random tokens, URLs (with and
without a port, with and without a query) and parameters (repeated values, any Unicode).
"""

import hmac
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio_stream_emulator.signature import compute_signature, is_valid_signature, signed_url_variants

# Twilio's Security page, and twilio-python's unit tests (facts file, "Request signatures").
SECURITY_PAGE_VECTOR = (
    "12345",
    "https://example.com/myapp.php?foo=1&bar=2",
    {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    },
    "L/OH5YylLD5NRKLltdqwSvS0BnU=",
)
SDK_TEST_VECTOR = (
    "12345",
    "https://mycompany.com/myapp.php?foo=1&bar=2",
    {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    },
    "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
)
VECTORS = [pytest.param(*SECURITY_PAGE_VECTOR, id="security-page"), pytest.param(*SDK_TEST_VECTOR, id="sdk-tests")]


class MultiDict:
    """What RequestValidator reads repeated values from (Flask's MultiDict has `getall`)."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    def __iter__(self) -> Any:
        return iter(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def getall(self, name: str) -> list[str]:
        return self._values[name]


@pytest.mark.parametrize(("token", "url", "params", "expected"), VECTORS)
def test_the_published_vectors(token: str, url: str, params: dict[str, str], expected: str) -> None:
    assert RequestValidator(token).compute_signature(url, params) == expected  # the oracle agrees with the page
    assert compute_signature(token, url, params) == expected
    assert is_valid_signature(token, url, params, expected)


@pytest.mark.parametrize(("token", "url", "params", "expected"), VECTORS)
def test_a_published_vector_fails_with_another_token_or_a_changed_parameter(
    token: str, url: str, params: dict[str, str], expected: str
) -> None:
    assert not is_valid_signature("54321", url, params, expected)
    assert not is_valid_signature(token, url, {**params, "Digits": "1235"}, expected)
    assert not is_valid_signature(token, url.replace("foo=1", "foo=2"), params, expected)


hosts = st.from_regex(r"[a-z][a-z0-9-]{0,12}(\.[a-z]{2,6}){0,2}", fullmatch=True)
ports = st.none() | st.integers(min_value=1, max_value=65535)
paths = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,10}){0,4}", fullmatch=True)
queries = st.none() | st.from_regex(
    r"[A-Za-z0-9]{1,6}=[A-Za-z0-9%+]{0,8}(&[A-Za-z0-9]{1,6}=[A-Za-z0-9%+]{0,8}){0,3}", fullmatch=True
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "ws", "wss"]))
    port = draw(ports)
    query = draw(queries)
    return (
        f"{scheme}://{draw(hosts)}{f':{port}' if port else ''}{draw(paths)}{f'?{query}' if query is not None else ''}"
    )


# Names and values of any Unicode (but surrogates, which UTF-8 cannot carry), repeated values included.
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
params_strategy = st.dictionaries(texts, st.lists(texts, min_size=1, max_size=3), max_size=6)
tokens = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)


@given(token=tokens, url=urls(), params=params_strategy)
def test_our_signature_is_twilios(token: str, url: str, params: dict[str, list[str]]) -> None:
    ours = compute_signature(token, url, params)

    assert ours == RequestValidator(token).compute_signature(url, MultiDict(params))
    assert RequestValidator(token).validate(url, MultiDict(params), ours)
    assert is_valid_signature(token, url, params, ours)


@given(token=tokens, url=urls(), params=st.dictionaries(texts, texts, max_size=6))
def test_single_values_sign_alike_as_strings_or_lists(token: str, url: str, params: dict[str, str]) -> None:
    as_lists = {name: [value] for name, value in params.items()}

    assert compute_signature(token, url, params) == compute_signature(token, url, as_lists)
    assert compute_signature(token, url, params) == RequestValidator(token).compute_signature(url, params)


@given(token=tokens, url=urls(), params=params_strategy, other=urls(), pick=st.integers(0, 4))
def test_we_accept_exactly_the_signatures_twilios_validator_accepts(
    token: str, url: str, params: dict[str, list[str]], other: str, pick: int
) -> None:
    without_port, with_port = signed_url_variants(url)
    oracle = RequestValidator(token)
    candidates = [
        oracle.compute_signature(without_port, MultiDict(params)),
        oracle.compute_signature(with_port, MultiDict(params)),
        oracle.compute_signature(other, MultiDict(params)),
        oracle.compute_signature(url, MultiDict(params))[:-2] + "A=",
        RequestValidator(token + "x").compute_signature(url, MultiDict(params)),
    ]
    candidate = candidates[pick]

    assert is_valid_signature(token, url, params, candidate) is oracle.validate(url, MultiDict(params), candidate)


@given(token=tokens, host=hosts, path=paths, port=st.integers(1, 65535))
def test_a_signature_made_with_or_without_the_port_validates_against_the_url_with_it(
    token: str, host: str, path: str, port: int
) -> None:
    # The receiver sees `ws://127.0.0.1:PORT/...`; the sender may have signed it with or without the port.
    for scheme in ("http", "https", "ws", "wss"):
        with_port, without_port = f"{scheme}://{host}:{port}{path}", f"{scheme}://{host}{path}"
        for signed in (with_port, without_port):
            assert is_valid_signature(token, with_port, {}, compute_signature(token, signed))


def test_a_url_without_a_port_also_validates_a_signature_made_with_the_schemes_default_port() -> None:
    assert is_valid_signature("t", "https://example.com/cb", {}, compute_signature("t", "https://example.com:443/cb"))
    assert is_valid_signature("t", "wss://example.com/ws", {}, compute_signature("t", "wss://example.com:80/ws"))
    assert not is_valid_signature(
        "t", "https://example.com/cb", {}, compute_signature("t", "https://example.com:80/cb")
    )


def test_a_get_request_signs_the_url_with_its_query_and_no_params() -> None:
    url = "https://example.com/cb?StreamSid=MZ1&StreamEvent=stream-started"

    assert compute_signature("token", url) == RequestValidator("token").compute_signature(url, {})
    assert compute_signature("token", url) == compute_signature("token", url, {})
    assert is_valid_signature("token", url, None, compute_signature("token", url))


def test_repeated_identical_values_count_once() -> None:
    url = "https://example.com/cb"

    assert compute_signature("t", url, {"a": ["1", "1", "2"]}) == compute_signature("t", url, {"a": ["2", "1"]})


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    compare_digest = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)

    assert not is_valid_signature("t", "https://example.com:8443/cb", {}, "forged")
    assert len(compared) == 2  # both URLs, each compared whole: no early exit on the first
    assert all(given == b"forged" for _, given in compared)


@pytest.mark.parametrize("forged", ["", "é", "L/OH5YylLD5NRKLltdqwSvS0BnU", "\x00" * 28])
def test_a_malformed_signature_is_invalid_not_an_error(forged: str) -> None:
    assert not is_valid_signature("12345", SECURITY_PAGE_VECTOR[1], SECURITY_PAGE_VECTOR[2], forged)


def test_a_url_with_a_port_that_is_no_number_is_signed_as_it_is() -> None:
    url = "https://example.com:port/cb"

    assert is_valid_signature("t", url, {}, compute_signature("t", url))
