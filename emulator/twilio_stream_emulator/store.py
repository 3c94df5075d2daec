"""The Streams and their rules, kept in SQLite. No web framework here: the handlers call this.

Durability: WAL with ``synchronous=FULL`` makes every commit reach the disk before the handler
answers, so an acknowledged create or stop survives ``kill -9``. Several worker processes may share
one file: each write runs in ``BEGIN IMMEDIATE`` (one writer at a time, checks and write atomic), and a
partial unique index makes two in-progress Streams with one name on one call impossible even so.
A stop of a Stream that is already stopped only reads.
"""

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from twilio_stream_contract import IN_PROGRESS, MAX_TRACKS_PER_CALL, STOPPED, TRACKS_OF

# How long a write waits for another process's write before giving up (then the client is told to retry).
BUSY_TIMEOUT_MS = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    id INTEGER PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    account_sid TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    name TEXT,
    status TEXT NOT NULL,
    date_updated TEXT NOT NULL,
    url TEXT NOT NULL,
    track TEXT NOT NULL,
    status_callback TEXT,
    status_callback_method TEXT NOT NULL,
    parameters TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS streams_of_call ON streams (account_sid, call_sid, status);
CREATE INDEX IF NOT EXISTS streams_by_name ON streams (account_sid, call_sid, name);
CREATE UNIQUE INDEX IF NOT EXISTS one_live_stream_per_name
    ON streams (account_sid, call_sid, name) WHERE status = 'in-progress' AND name IS NOT NULL;
-- The calls that ended; every other well-formed CallSid is a call in progress.
CREATE TABLE IF NOT EXISTS ended_calls (
    account_sid TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    date_updated TEXT NOT NULL,
    PRIMARY KEY (account_sid, call_sid)
);
"""
_SELECT = "SELECT id, sid, account_sid, call_sid, name, status, date_updated FROM streams "
_BY_SID = _SELECT + "WHERE sid = ? AND account_sid = ? AND call_sid = ?"
# A name picks its in-progress Stream if there is one, else the latest one given that name.
_BY_NAME = (
    _SELECT
    + "WHERE account_sid = ? AND call_sid = ? AND name = ? ORDER BY status = 'in-progress' DESC, id DESC LIMIT 1"
)
_BY_ID = _SELECT + "WHERE id = ?"
_STOP = "UPDATE streams SET status = ?, date_updated = ? WHERE id = ? AND status = ?"
_TRACKS_IN_PROGRESS = "SELECT track FROM streams WHERE account_sid = ? AND call_sid = ? AND status = ?"
# Placeholders only: the SIDs travel as parameters.
_STOPPED_AMONG = "SELECT sid FROM streams WHERE status = ? AND sid IN ({marks})"
_STOP_ALL = "UPDATE streams SET status = ?, date_updated = ? WHERE status = ?"
_CALL_ENDED = "SELECT date_updated FROM ended_calls WHERE account_sid = ? AND call_sid = ?"
_END_CALL = "INSERT INTO ended_calls (account_sid, call_sid, date_updated) VALUES (?, ?, ?)"
_STOP_STREAMS_OF_CALL = (
    "UPDATE streams SET status = ?, date_updated = ? WHERE account_sid = ? AND call_sid = ? AND status = ? "
    "RETURNING id, sid, account_sid, call_sid, name, status, date_updated"
)
_NAME_IN_PROGRESS = "SELECT 1 FROM streams WHERE account_sid = ? AND call_sid = ? AND name = ? AND status = ?"
_INSERT = (
    "INSERT INTO streams (sid, account_sid, call_sid, name, status, date_updated, url, track, "
    "status_callback, status_callback_method, parameters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class Stream:
    """A Stream as the API shows it."""

    sid: str
    account_sid: str
    call_sid: str
    name: str | None
    status: str
    date_updated: str


@dataclass(frozen=True, slots=True)
class NewStream:
    """What a create asks for; the store adds the status and the time."""

    sid: str
    account_sid: str
    call_sid: str
    name: str | None
    url: str
    track: str
    status_callback: str | None
    status_callback_method: str
    parameters: Mapping[str, str]


class NameInUse(Exception):
    """Another in-progress Stream of the call has this name."""


class TooManyTracks(Exception):
    """The new Stream's tracks do not fit beside those the call already streams."""

    def __init__(self, in_use: int, needed: int) -> None:
        super().__init__(f"{in_use} tracks in use, {needed} more needed")
        self.in_use = in_use
        self.needed = needed


class CallNotInProgress(Exception):
    """The call has ended: it can carry no new Stream."""


@dataclass(frozen=True, slots=True)
class EndedCall:
    """A call after its hang-up: when it ended, and the Streams the hang-up stopped (none if it had ended)."""

    account_sid: str
    call_sid: str
    date_updated: str
    stopped: tuple["Stream", ...]


class DuplicateSid(Exception):
    """The new SID is taken (a 128-bit random SID: the caller draws another)."""


def _row_to_stream(row: tuple[int, str, str, str, str | None, str, str]) -> Stream:
    return Stream(*row[1:])


class Store:
    """One SQLite connection (one per worker process); every method is one short transaction."""

    def __init__(self, path: str) -> None:
        # isolation_level=None: transactions are opened explicitly with BEGIN IMMEDIATE.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=64)
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        # Each statement is idempotent and atomic, so workers starting together on one file agree.
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def create(self, new: NewStream, date_updated: str) -> Stream:
        """Insert an in-progress Stream, unless the call ended, its name is in use or its tracks do not fit.

        Twilio counts tracks, not Streams: a call carries at most MAX_TRACKS_PER_CALL one-way tracks,
        and a ``both_tracks`` Stream takes two of them.
        """
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute(_CALL_ENDED, (new.account_sid, new.call_sid)).fetchone() is not None:
                raise CallNotInProgress
            rows = db.execute(_TRACKS_IN_PROGRESS, (new.account_sid, new.call_sid, IN_PROGRESS)).fetchall()
            in_use = sum(len(TRACKS_OF[track]) for (track,) in rows)
            needed = len(TRACKS_OF[new.track])
            if in_use + needed > MAX_TRACKS_PER_CALL:
                raise TooManyTracks(in_use, needed)
            if (
                new.name is not None
                and db.execute(_NAME_IN_PROGRESS, (new.account_sid, new.call_sid, new.name, IN_PROGRESS)).fetchone()
            ):
                raise NameInUse
            try:
                db.execute(
                    _INSERT,
                    (
                        new.sid,
                        new.account_sid,
                        new.call_sid,
                        new.name,
                        IN_PROGRESS,
                        date_updated,
                        new.url,
                        new.track,
                        new.status_callback,
                        new.status_callback_method,
                        json.dumps(new.parameters),
                    ),
                )
            except sqlite3.IntegrityError:
                raise DuplicateSid from None
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return Stream(new.sid, new.account_sid, new.call_sid, new.name, IN_PROGRESS, date_updated)

    def stop(self, account_sid: str, call_sid: str, sid_or_name: str, now: Callable[[], str]) -> Stream | None:
        """Stop the Stream (by SID or name); None if there is none. Stopping a stopped one changes nothing.

        ``now()`` gives the new ``date_updated``; it is only asked for when there is a transition.

        Concurrent stops of one Stream make one transition: the UPDATE only applies to an in-progress
        row, and every caller then reads the row that the single winner wrote.
        """
        row = self._find_row(account_sid, call_sid, sid_or_name)
        if row is None:
            return None
        if row[5] == STOPPED:
            stream = _row_to_stream(row)  # read only: nothing to write, nothing to wait for
        else:
            # One statement in autocommit mode is its own (immediate) transaction.
            self._db.execute(_STOP, (STOPPED, now(), row[0], IN_PROGRESS))
            stream = _row_to_stream(self._db.execute(_BY_ID, (row[0],)).fetchone())
        return stream

    def end_call(self, account_sid: str, call_sid: str, now: Callable[[], str]) -> EndedCall:
        """Hang the call up: it ends, and its in-progress Streams stop with it, in one transaction.

        Ending an ended call changes nothing (its time stays that of the hang-up).
        """
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            ended = db.execute(_CALL_ENDED, (account_sid, call_sid)).fetchone()
            if ended is not None:
                db.execute("COMMIT")
                return EndedCall(account_sid, call_sid, ended[0], ())
            date_updated = now()
            db.execute(_END_CALL, (account_sid, call_sid, date_updated))
            rows = db.execute(_STOP_STREAMS_OF_CALL, (STOPPED, date_updated, account_sid, call_sid, IN_PROGRESS))
            stopped = tuple(_row_to_stream(row) for row in rows.fetchall())
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return EndedCall(account_sid, call_sid, date_updated, stopped)

    def data_version(self) -> int:
        """A number that changes when another connection (another worker) commits: a cheap "anything new?"."""
        (version,) = self._db.execute("PRAGMA data_version").fetchone()
        return int(version)

    def stopped_among(self, stream_sids: Sequence[str]) -> list[str]:
        """Which of these Streams are stopped (by SID)."""
        if not stream_sids:
            return []
        query = _STOPPED_AMONG.format(marks=", ".join("?" * len(stream_sids)))
        return [sid for (sid,) in self._db.execute(query, (STOPPED, *stream_sids))]

    def stop_all_in_progress(self, date_updated: str) -> int:
        """Stop every Stream still in progress (what a restart finds of Streams whose process died); how many."""
        cursor = self._db.execute(_STOP_ALL, (STOPPED, date_updated, IN_PROGRESS))
        return cursor.rowcount

    def reset(self) -> None:
        """Forget every Stream and every ended call: a fresh store, for the next test."""
        self._db.executescript("BEGIN IMMEDIATE; DELETE FROM streams; DELETE FROM ended_calls; COMMIT;")

    def call_ended(self, account_sid: str, call_sid: str) -> str | None:
        """When the call ended, or None while it is in progress."""
        row = self._db.execute(_CALL_ENDED, (account_sid, call_sid)).fetchone()
        return None if row is None else str(row[0])

    def _find_row(
        self, account_sid: str, call_sid: str, sid_or_name: str
    ) -> tuple[int, str, str, str, str | None, str, str] | None:
        row: tuple[int, str, str, str, str | None, str, str] | None = self._db.execute(
            _BY_SID, (sid_or_name, account_sid, call_sid)
        ).fetchone()
        if row is None:
            row = self._db.execute(_BY_NAME, (account_sid, call_sid, sid_or_name)).fetchone()
        return row
