"""RFC 3986 absolute URIs, as JSON Schema's ``format: uri`` defines them.

``Url`` and ``StatusCallback`` are ``format: uri`` in the contract. A conformance fuzzer decides what is
valid with a JSON Schema format checker, so the emulator accepts exactly what such a checker accepts:
``scheme ":" hier-part ["?" query] ["#" fragment]`` built from the ASCII characters RFC 3986 allows
(a test compares this function with ``jsonschema_rs`` on generated strings).
"""

import ipaddress
import re

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_USERINFO = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*"
_REG_NAME = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*"
_IP_FUTURE = rf"[vV][0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+"
_SEGMENT = rf"{_PCHAR}*"
_SEGMENT_NZ = rf"{_PCHAR}+"

_URI = re.compile(
    rf"""
    [A-Za-z][A-Za-z0-9+\-.]*:                              # scheme
    (?:
        //(?:(?P<userinfo>{_USERINFO})@)?                  # authority
        (?:\[(?P<ip_literal>[^\]]*)\]|{_REG_NAME})
        (?::[0-9]*)?
        (?:/{_SEGMENT})*                                   # path-abempty
      | /(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?                # path-absolute
      | {_SEGMENT_NZ}(?:/{_SEGMENT})*                      # path-rootless
      |                                                    # path-empty
    )
    (?:\?(?:{_PCHAR}|[/?])*)?                              # query
    (?:\#(?:{_PCHAR}|[/?])*)?                              # fragment
    """,
    re.VERBOSE,
)
_IP_FUTURE_RE = re.compile(_IP_FUTURE)


def _is_ip_literal(text: str) -> bool:
    if _IP_FUTURE_RE.fullmatch(text):
        return True
    # ipaddress also takes a zone ("fe80::1%eth0"), which RFC 3986 does not.
    if "%" in text or not text.isascii():
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def is_absolute_uri(value: str) -> bool:
    """True if ``value`` is an absolute URI (RFC 3986 ``URI``), e.g. ``wss://example.com/media``."""
    match = _URI.fullmatch(value)
    if match is None:
        return False
    ip_literal = match.group("ip_literal")
    return ip_literal is None or _is_ip_literal(ip_literal)
