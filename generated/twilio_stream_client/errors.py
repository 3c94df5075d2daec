"""The exceptions the API functions raise, one per kind of failure.

    ClientError                 base of everything below
    ├── UnexpectedStatus        the server answered a status the contract does not document
    └── UnparseableResponse     a documented status whose body is not JSON of the documented shape

A documented error (400, 401, 404, 429) is not raised: it is returned as a ``TwilioError`` model.
Network failures and timeouts are httpx's own exceptions (``httpx.HTTPError`` and subclasses).
"""

# Bodies are quoted in messages for diagnosis, but a misbehaving server may send megabytes.
_MAX_QUOTED_BODY = 500


def _quote(content: bytes) -> str:
    text = content[:_MAX_QUOTED_BODY].decode(errors="replace")
    return text + ("..." if len(content) > _MAX_QUOTED_BODY else "")


class ClientError(Exception):
    """Base class of the exceptions this client raises about a server's answer."""

    def __init__(self, message: str, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content
        super().__init__(message)


class UnexpectedStatus(ClientError):
    """The server answered with a status code the contract does not document.

    Raised when ``raise_on_unexpected_status`` is true (the default of ``TwilioClient``); otherwise the
    API functions return ``None`` for such an answer.
    """

    def __init__(self, status_code: int, content: bytes):
        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{_quote(content)}", status_code, content
        )


class UnparseableResponse(ClientError):
    """The server answered a documented status, but its body is not JSON of the documented shape."""

    def __init__(self, status_code: int, content: bytes, reason: str):
        self.reason = reason
        super().__init__(
            f"Cannot parse the body of a {status_code} answer: {reason}\n\nResponse content:\n{_quote(content)}",
            status_code,
            content,
        )


__all__ = ["ClientError", "UnexpectedStatus", "UnparseableResponse"]
