"""The headers every answer carries, errors included, exactly as Twilio's API sends them."""

CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
    (
        "Access-Control-Allow-Headers",
        "Accept, Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, "
        "If-Unmodified-Since, Idempotency-Key",
    ),
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Expose-Headers", "ETag"),
)
# Pre-encoded once: they are appended to every response.
RAW_CORS_HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in CORS_HEADERS
)
WWW_AUTHENTICATE = 'Basic realm="Twilio API"'
