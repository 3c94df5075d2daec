"""``python -m twilio_stream_emulator``: serve the Stream emulator with uvicorn (``--help`` lists the options).

The options travel to the workers as environment variables (see ``twilio_stream_emulator.settings``),
so one worker and several build the same app the same way.
"""

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence

from twilio_stream_emulator.accounts import (
    ACCOUNTS_FILE_ENV,
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    Accounts,
    CredentialsError,
)
from twilio_stream_emulator.loopback import is_loopback
from twilio_stream_emulator.media.audio import AudioSourceError
from twilio_stream_emulator.responses import rfc2822_now
from twilio_stream_emulator.server import LOG_LEVELS, serve
from twilio_stream_emulator.settings import (
    AUDIO_ENV,
    DB_ENV,
    DEFAULT_DB,
    DIAL_ANY_HOST_ENV,
    INBOUND_AUDIO_ENV,
    MEDIA_CA_FILE_ENV,
    MEMORY_DB,
    OUTBOUND_AUDIO_ENV,
    STREAM_MEDIA_ENV,
    STRICT_FORMS_ENV,
    media_source,
)
from twilio_stream_emulator.store import Store


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twilio-stream-emulator",
        description="A local emulator of Twilio's Stream resource (start and stop Media Streams).",
        epilog=(
            "Credentials: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, and/or --accounts-file; without any, "
            f"the local defaults {DEFAULT_ACCOUNT_SID} / {DEFAULT_AUTH_TOKEN}, loopback only."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on, 0 for any (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default: %(default)s)")
    parser.add_argument(
        "--db",
        default=os.environ.get(DB_ENV, DEFAULT_DB),
        help=f"SQLite file of the Streams, or {MEMORY_DB} to keep nothing (default: %(default)s, or ${DB_ENV})",
    )
    parser.add_argument(
        "--accounts-file",
        default=os.environ.get(ACCOUNTS_FILE_ENV),
        help=f"file of ACCOUNT_SID:AUTH_TOKEN and API_KEY_SID:SECRET:ACCOUNT_SID lines (or ${ACCOUNTS_FILE_ENV})",
    )
    media = parser.add_argument_group("Media Streams")
    media.add_argument(
        "--no-media",
        action="store_true",
        help="the REST resource alone: dial nothing, send no callback; a Stream stays in progress until stopped",
    )
    media.add_argument("--audio", metavar="WAV", help="audio both tracks send (default: a tone per track)")
    media.add_argument("--inbound-audio", metavar="WAV", help="audio of the inbound track only")
    media.add_argument("--outbound-audio", metavar="WAV", help="audio of the outbound track only")
    media.add_argument(
        "--dial-any-host",
        action="store_true",
        help="dial Stream Urls and status callbacks on any host (default: loopback addresses only)",
    )
    media.add_argument("--media-ca-file", metavar="PEM", help="CA certificates that wss:// servers may use")
    parser.add_argument(
        "--strict-forms",
        action="store_true",
        help="refuse unknown and repeated form fields with a 400 (Twilio ignores unknown fields and takes "
        "the first of repeated ones, and so does the emulator by default)",
    )
    parser.add_argument("--log-level", choices=LOG_LEVELS, default="info", help="(default: %(default)s)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.workers < 1:
        cli.error("--workers must be at least 1")
    if args.workers > 1 and args.db == MEMORY_DB:
        cli.error(f"--workers {args.workers} needs a --db file to share: {MEMORY_DB} is one per process")
    if args.accounts_file:
        os.environ[ACCOUNTS_FILE_ENV] = args.accounts_file
    os.environ[DB_ENV] = args.db
    os.environ[STRICT_FORMS_ENV] = "1" if args.strict_forms else "0"
    os.environ[DIAL_ANY_HOST_ENV] = "1" if args.dial_any_host else "0"
    os.environ[STREAM_MEDIA_ENV] = "0" if args.no_media else "1"
    if args.audio and (args.inbound_audio or args.outbound_audio):
        cli.error("--audio gives both tracks their audio: use it alone, or --inbound-audio/--outbound-audio")
    for name, value in (
        (AUDIO_ENV, args.audio),
        (INBOUND_AUDIO_ENV, args.inbound_audio),
        (OUTBOUND_AUDIO_ENV, args.outbound_audio),
        (MEDIA_CA_FILE_ENV, args.media_ca_file),
    ):
        os.environ[name] = value or ""
    try:
        # Read once here, before any worker: a file that is no audio is one clear error.
        media_source(os.environ)
    except AudioSourceError as error:
        cli.error(str(error))
    try:
        accounts = Accounts.from_environment()
    except CredentialsError as error:
        cli.error(str(error))
    if accounts.use_published_token and not is_loopback(args.host):
        cli.error(
            f"refusing to listen on {args.host} with the default credentials (the published token): "
            "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or --accounts-file, to other credentials"
        )
    try:
        # Opened once here, before any worker: an unusable file is one clear error, and the schema is
        # created once rather than by every worker at the same moment.
        store = Store(args.db)
        # Streams left in progress by an emulator that died have no WebSocket any more: they end stopped.
        # Without media a Stream is a record only, and an acknowledged one stays as it was.
        orphans = 0 if args.no_media else store.stop_all_in_progress(rfc2822_now())
        store.close()
    except sqlite3.Error as error:
        cli.error(f"cannot open the store {args.db}: {error}")
    if orphans:
        print(f"{orphans} Stream(s) left in progress by a previous run are stopped", file=sys.stderr)
    serve(
        "twilio_stream_emulator.app:create_app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
