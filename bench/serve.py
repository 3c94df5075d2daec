"""``python -m bench.serve APP --port N --workers N``: serve a floor app exactly as the emulator is served.

The floors must share the emulator's server settings, or the comparison would measure the settings:
they are served by the emulator's own ``serve`` (uvicorn, uvloop, its httptools protocol, no uvicorn
access log), as the emulator's command serves the emulator.
"""

import argparse
from collections.abc import Sequence

from twilio_stream_emulator.server import serve


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("app", help="import string of the ASGI app, e.g. bench.bare_app:app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    serve(args.app, port=args.port, workers=args.workers, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
