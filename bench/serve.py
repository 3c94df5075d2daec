"""``python -m bench.serve APP --port N --workers N``: serve a floor app exactly as the emulator is served.

The floors must share the emulator's server settings, or the comparison would measure the settings:
uvicorn with uvloop, the emulator's own httptools protocol class (stock httptools where the emulator
is not in the tree), no server header, no uvicorn access log.
"""

import argparse
import importlib.util
from collections.abc import Sequence

import uvicorn

HOST = "127.0.0.1"
EMULATOR_PROTOCOL = "twilio_stream_emulator.protocol:TwilioHttpToolsProtocol"


def http_protocol() -> str:
    return EMULATOR_PROTOCOL if importlib.util.find_spec("twilio_stream_emulator.protocol") is not None else "httptools"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("app", help="import string of the ASGI app, e.g. bench.bare_app:app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    uvicorn.run(
        args.app,
        host=HOST,
        port=args.port,
        workers=args.workers,
        http=http_protocol(),
        loop="uvloop",
        lifespan="on",
        access_log=False,
        server_header=False,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
