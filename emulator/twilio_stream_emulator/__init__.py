"""A faithful local emulator of Twilio's Stream resource (start and stop Media Streams).

Run it with ``python -m twilio_stream_emulator`` (``--help`` lists the options) or build the ASGI app in-process with
:func:`twilio_stream_emulator.app.create_app`. The package is laid out in fixed rooms:

- ``routes``: the list of served method/path pairs, matched on the raw (percent-encoded) path;
- ``responses``: handlers that parse the form, call the store and render JSON;
- ``store``: the SQLite store holding the Streams and their rules (no web framework in it);
- ``errors``: the catalogue of Twilio errors, one row each, and the one renderer;
- ``contract``: the patterns, enums and fields read from ``openapi.yaml``;
- ``accounts``: the accounts and their Auth Tokens;
- ``forms`` and ``uri``: strict decoding of bodies and path segments, and ``format: uri``;
- ``middleware``, ``cors`` and ``access_log``: what every answer gets (CORS headers, a log line, JSON errors);
- ``signature``: ``X-Twilio-Signature``, made and checked as Twilio does (the one copy of the algorithm);
- ``testing``: a test kit for the app's side of a Media Stream (a WebSocket receiver, a status callback
  recorder), usable from plain pytest tests;
- ``app`` (the factory), ``state`` (what the lifespan hands requests), ``settings``, ``__main__`` (the
  command line) and ``protocol`` (the HTTP parser limits).
"""

from twilio_stream_emulator.app import create_app
from twilio_stream_emulator.settings import Settings

__all__ = ["Settings", "create_app"]
