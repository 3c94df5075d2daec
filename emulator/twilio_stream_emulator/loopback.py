"""Whether a host is a loopback address: where the emulator listens with the published token, where it
may dial a Media Stream, and which targets the conformance suite may hammer."""

import ipaddress


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any loopback IP (127.0.0.0/8, ``::1``); a bracketed IPv6 literal too."""
    host = host.removeprefix("[").removesuffix("]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to anything
