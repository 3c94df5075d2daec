"""One line per request, written in batches so that logging does not cost more than answering.

A line is ``2026-01-01 12:00:00,123 INFO emulator.access [pid] client "METHOD /path" status 0.42ms``,
the same shape as the other log lines. The method and path are escaped (``\\r``, ``\\n``, ``\\xff``...),
so no request can forge a line. Never a header, so never a credential.

Lines wait at most ``FLUSH_AFTER_S`` (or ``MAX_BATCH`` lines) and then go out as one record of the
``emulator.access`` logger, whose handler prints the message as it is: one write for many requests.
A ``kill -9`` loses at most that last fraction of a second of log; a graceful stop flushes.
"""

import asyncio
import logging
import os
import re
import time

logger = logging.getLogger("emulator.access")
# A scope key: the status that the HTTP protocol itself answered a request with, the app being still
# busy with it (see emulator.protocol); the app's line then tells what the client was really sent.
ANSWERED_STATUS = "emulator.answered_status"
FLUSH_AFTER_S = 0.05
MAX_BATCH = 256


_PLAIN = re.compile(rb"[ !#-\[\]-~]*")  # printable ASCII but the quote and the backslash


def escape_for_log(raw: bytes) -> str:
    """Printable ASCII as is, everything else (CR, LF, non-ASCII bytes) as an escape: no forged lines."""
    if _PLAIN.fullmatch(raw):
        return raw.decode("ascii")
    return raw.decode("latin-1").encode("unicode_escape").decode("ascii").replace('"', '\\"')


class AccessLog:
    def __init__(self) -> None:
        self._lines: list[str] = []
        self._pid = os.getpid()
        self._second = -1
        self._second_text = ""

    def _timestamp(self, now: float) -> str:
        second = int(now)
        if second != self._second:  # strftime once a second, not once a request
            self._second, self._second_text = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return f"{self._second_text},{int((now - second) * 1000):03d}"

    @staticmethod
    def enabled() -> bool:
        return logger.isEnabledFor(logging.INFO)  # the logging module caches the answer

    def add(self, client: str, method: bytes, target: bytes, status: int, duration_s: float) -> None:
        self._lines.append(
            f"{self._timestamp(time.time())} INFO emulator.access [{self._pid}] {client} "
            f'"{escape_for_log(method)} {escape_for_log(target)}" {status} {duration_s * 1000:.2f}ms'
        )
        if len(self._lines) >= MAX_BATCH:
            self.flush()
        elif len(self._lines) == 1:
            try:
                asyncio.get_running_loop().call_later(FLUSH_AFTER_S, self.flush)
            except RuntimeError:  # no event loop: nothing will flush later, so flush now
                self.flush()

    def flush(self) -> None:
        if self._lines:
            lines, self._lines = self._lines, []
            logger.info("\n".join(lines))


access_log = AccessLog()
