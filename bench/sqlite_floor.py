"""The floor of the durable write path: SQLite alone, doing per Stream the two writes the store commits.

The emulator acknowledges a create and a stop only once each is on disk: its store runs SQLite in WAL
mode with ``synchronous=FULL``, so every commit waits for an fsync of the WAL. What no server can beat is
SQLite committing those same two writes back to back, with nothing else: this module. Per Stream, in
autocommit mode (each statement its own transaction, its own fsync):

- the store's INSERT of a new in-progress Stream (every column, the same values a create writes), and
- the store's stop, ``UPDATE streams SET status, date_updated WHERE id = ? AND status = 'in-progress'``.

The store's create also reads (has the call ended? which tracks are in use? is the name taken?) inside
its ``BEGIN IMMEDIATE`` transaction, and its stop finds the row by SID first and reads it back after:
those reads, HTTP, routing, authentication, forms and JSON are what the emulator adds to this floor.

The table and its indexes are the store's own (``Store`` lays the schema out, then is closed; the loop
never calls it), with the store's PRAGMAs: WAL, ``synchronous=FULL``, the same busy timeout.
"""

import sqlite3
import threading
import time
from pathlib import Path

import twilio_stream_contract as contract
from twilio_stream_emulator.store import BUSY_TIMEOUT_MS, Store

INSERT = (
    "INSERT INTO streams (sid, account_sid, call_sid, name, status, date_updated, url, track, "
    "status_callback, status_callback_method, parameters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
STOP = "UPDATE streams SET status = ?, date_updated = ? WHERE id = ? AND status = ?"
# An RFC 2822 date as the store writes it; its value does not change the cost of the write.
DATE = "Thu, 30 Jul 2015 20:00:00 +0000"
URL = "ws://127.0.0.1:9/media"


def fresh_store(path: Path) -> None:
    """A new store file with the store's schema and nothing in it."""
    for stale in path.parent.glob(f"{path.name}*"):
        stale.unlink()
    Store(str(path)).close()


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    return db


def create_and_stop(db: sqlite3.Connection, account_sid: str) -> None:
    """One Stream's two durable writes: created in progress, then stopped."""
    call_sid = contract.new_sid(contract.CALL_SID)
    row = (contract.new_sid(contract.STREAM_SID), account_sid, call_sid, None, contract.IN_PROGRESS, DATE, URL)
    cursor = db.execute(INSERT, (*row, contract.DEFAULT_TRACK, None, contract.DEFAULT_STATUS_CALLBACK_METHOD, "{}"))
    db.execute(STOP, (contract.STOPPED, DATE, cursor.lastrowid, contract.IN_PROGRESS))


def run(path: Path, account_sid: str, seconds: float, connections: int, max_streams: int) -> int:
    """Streams created and stopped in ``seconds`` (at most ``max_streams``) by ``connections`` threads,
    each with a connection of its own (SQLite lets one write at a time; the others wait for the lock)."""
    counts = [0] * connections
    deadline = time.monotonic() + seconds

    def writer(index: int) -> None:
        db = connect(path)
        try:
            while time.monotonic() < deadline and sum(counts) < max_streams:
                create_and_stop(db, account_sid)
                counts[index] += 1
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + BUSY_TIMEOUT_MS / 1000 + 10)
    return sum(counts)
