"""One line per request on the ``emulator.access`` logger, with the request line escaped and no header.

A line reads ``client "METHOD /path" status 0.42ms`` after the time, level, logger name and process id
of the emulator's log format. The method and path are escaped (``\\r``, ``\\n``, ``\\xff``...), so no
request can forge a line; headers are never logged, so neither is a credential. The Media Streams log
their dial, start, stop and error on the same logger (see ``media``).
"""

import logging
import re
import sys

logger = logging.getLogger("emulator.access")
# A scope key: the status that the HTTP protocol itself answered a request with, the app being still
# busy with it (see emulator.protocol); the app's line then tells what the client was really sent.
ANSWERED_STATUS = "emulator.answered_status"

_PLAIN = re.compile(rb"[ !#-\[\]-~]*")  # printable ASCII but the quote and the backslash


def escape_for_log(raw: bytes) -> str:
    """Printable ASCII as is, everything else (CR, LF, non-ASCII bytes) as an escape: no forged lines."""
    if _PLAIN.fullmatch(raw):
        return raw.decode("ascii")
    return raw.decode("latin-1").encode("unicode_escape").decode("ascii").replace('"', '\\"')


# The LogRecord attributes that the emulator's processes leave unfilled (see lighten_log_records): the
# emulator's log format must name none of them.
UNFILLED_RECORD_FIELDS = frozenset(
    {"pathname", "filename", "module", "lineno", "funcName", "thread", "threadName", "processName"}
    | ({"taskName"} if sys.version_info >= (3, 12) else set())
)


def lighten_log_records() -> None:
    """Make this process's log records skip what the emulator's log format never shows: the caller's
    frame (file, line, function; a ``stack_info`` stack too, which the emulator never asks for), the
    thread, process and task names, as the "Optimization" section of Python's logging HOWTO advises.

    Paid for by the ``emulator, 1 worker`` rows of BENCHMARKS.md: one access line per request walked a
    deep ASGI stack to find its caller, about a tenth of the CPU of an answer (measured before and after
    in the findings, "Two ways to a cheaper log line"). Process-wide, so only the emulator's own worker
    processes call it (its factory), never a process that hosts the emulator in a thread (the pytest
    plugin). ``test_the_log_format_shows_no_field_the_workers_skip`` keeps the format honest.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logMultiprocessing = False
    if sys.version_info >= (3, 12):
        logging.logAsyncioTasks = False


def log_request(client: str, method: bytes, target: bytes, status: int, duration_s: float) -> None:
    if logger.isEnabledFor(logging.INFO):
        request_line = f"{escape_for_log(method)} {escape_for_log(target)}"
        logger.info('%s "%s" %d %.2fms', client, request_line, status, duration_s * 1000)
