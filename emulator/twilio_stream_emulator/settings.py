"""What one emulator process needs to know; built from the environment so that every worker agrees.

The command line turns its options into the ``EMULATOR_*`` variables below before uvicorn starts the
workers, and each worker builds its app from them with
:func:`twilio_stream_emulator.app.create_app_from_environment`.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from twilio_stream_emulator.accounts import Accounts
from twilio_stream_emulator.media.audio import MediaSource
from twilio_stream_emulator.media.dial import DialPolicy

DB_ENV = "EMULATOR_DB"
STRICT_FORMS_ENV = "EMULATOR_STRICT_FORMS"
AUDIO_ENV, INBOUND_AUDIO_ENV, OUTBOUND_AUDIO_ENV = "EMULATOR_AUDIO", "EMULATOR_INBOUND_AUDIO", "EMULATOR_OUTBOUND_AUDIO"
DIAL_ANY_HOST_ENV, MEDIA_CA_FILE_ENV = "EMULATOR_DIAL_ANY_HOST", "EMULATOR_MEDIA_CA_FILE"
STREAM_MEDIA_ENV = "EMULATOR_STREAM_MEDIA"
DEFAULT_DB = "emulator.sqlite3"
MEMORY_DB = ":memory:"
# Twilio's Stream forms are small; a body beyond this is refused with 413 before it is read.
DEFAULT_MAX_BODY_BYTES = 64 * 1024


def media_source(environ: Mapping[str, str]) -> MediaSource:
    """The audio the Streams send: a WAV file for both tracks, one per track, or the default tones."""
    both, inbound, outbound = (environ.get(name) or None for name in (AUDIO_ENV, INBOUND_AUDIO_ENV, OUTBOUND_AUDIO_ENV))
    if both:
        return MediaSource.from_wav(both)
    if inbound or outbound:
        return MediaSource.from_wav(inbound=inbound, outbound=outbound)
    return MediaSource.default()


@dataclass(frozen=True, slots=True)
class Settings:
    """The accounts, the store file (``:memory:`` keeps nothing), the body size limit, whether forms are
    strict (unknown and repeated fields refused, where Twilio ignores them), whether Streams stream
    (``stream_media=False``: the REST resource alone, nothing dialed, Streams in progress until stopped),
    the audio they send and where they may dial."""

    accounts: Accounts = field(default_factory=Accounts.defaults)
    db: str = MEMORY_DB
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    strict_forms: bool = False
    stream_media: bool = True
    media: MediaSource = field(default_factory=MediaSource.default)
    dial: DialPolicy = field(default_factory=DialPolicy)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        return cls(
            accounts=Accounts.from_environment(environ),
            db=environ.get(DB_ENV, DEFAULT_DB),
            strict_forms=environ.get(STRICT_FORMS_ENV) == "1",
            stream_media=environ.get(STREAM_MEDIA_ENV) != "0",
            media=media_source(environ),
            dial=DialPolicy(
                any_host=environ.get(DIAL_ANY_HOST_ENV) == "1", ca_file=environ.get(MEDIA_CA_FILE_ENV) or None
            ),
        )
