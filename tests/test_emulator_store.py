"""The SQLite store and its rules, without HTTP (emulator/store.py)."""

import sqlite3
import threading
from pathlib import Path

import pytest
from twilio_stream_contract import MAX_TRACKS_PER_CALL, TRACKS_OF
from twilio_stream_emulator.store import (
    CallNotInProgress,
    DuplicateSid,
    NameInUse,
    NewStream,
    Store,
    TooManyTracks,
)

ACCOUNT, CALL = "AC" + "a" * 32, "CA" + "a" * 32
WHEN, LATER = "Thu, 30 Jul 2015 20:00:00 +0000", "Thu, 30 Jul 2015 20:00:05 +0000"


def _new(sid_digit: str, name: str | None = None, call_sid: str = CALL, track: str = "inbound_track") -> NewStream:
    return NewStream(
        sid="MZ" + sid_digit * 32,
        account_sid=ACCOUNT,
        call_sid=call_sid,
        name=name,
        url="wss://example.com/",
        track=track,
        status_callback=None,
        status_callback_method="POST",
        parameters={"Parameter1.Name": "customer", "Parameter1.Value": "42"},
    )


@pytest.fixture
def store() -> Store:
    return Store(":memory:")


def test_create_then_stop_by_sid(store: Store) -> None:
    created = store.create(_new("1", "n"), WHEN)

    stopped = store.stop(ACCOUNT, CALL, created.sid, lambda: LATER)

    assert (created.status, created.date_updated) == ("in-progress", WHEN)
    assert stopped is not None
    assert (stopped.sid, stopped.status, stopped.date_updated, stopped.name) == (created.sid, "stopped", LATER, "n")


def test_stop_again_keeps_the_first_stop_time(store: Store) -> None:
    store.create(_new("1"), WHEN)
    first = store.stop(ACCOUNT, CALL, "MZ" + "1" * 32, lambda: LATER)

    again = store.stop(ACCOUNT, CALL, "MZ" + "1" * 32, lambda: "Fri, 31 Jul 2015 00:00:00 +0000")

    assert again == first


def test_stop_of_a_stopped_stream_writes_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "streams.sqlite3")
    store = Store(path)
    store.create(_new("1"), WHEN)
    store.stop(ACCOUNT, CALL, "MZ" + "1" * 32, lambda: LATER)
    watcher = sqlite3.connect(path)
    (version_before,) = watcher.execute("PRAGMA data_version").fetchone()

    store.stop(ACCOUNT, CALL, "MZ" + "1" * 32, lambda: LATER)

    (version_after,) = watcher.execute("PRAGMA data_version").fetchone()
    assert version_after == version_before
    watcher.close()
    store.close()


def test_a_stop_seen_by_another_worker_is_the_same_stop(tmp_path: Path) -> None:
    path = str(tmp_path / "streams.sqlite3")
    writer, reader = Store(path), Store(path)
    writer.create(_new("1"), WHEN)
    stopped = writer.stop(ACCOUNT, CALL, "MZ" + "1" * 32, lambda: LATER)

    assert reader.stop(ACCOUNT, CALL, "MZ" + "1" * 32, lambda: "not asked") == stopped
    writer.close()
    reader.close()


def test_a_name_is_looked_up_afresh_after_its_stream_stopped(store: Store) -> None:
    store.create(_new("1", "shared"), WHEN)
    first = store.stop(ACCOUNT, CALL, "shared", lambda: LATER)
    store.create(_new("2", "shared"), LATER)

    second = store.stop(ACCOUNT, CALL, "shared", lambda: LATER)

    assert first is not None
    assert second is not None
    assert (first.sid, second.sid) == ("MZ" + "1" * 32, "MZ" + "2" * 32)


def test_a_sid_wins_over_a_name(store: Store) -> None:
    store.create(_new("1"), WHEN)
    store.create(_new("2", name="MZ" + "1" * 32), WHEN)

    stopped = store.stop(ACCOUNT, CALL, "MZ" + "1" * 32, lambda: LATER)

    assert stopped is not None
    assert stopped.sid == "MZ" + "1" * 32


def test_unknown_stream_is_none(store: Store) -> None:
    assert store.stop(ACCOUNT, CALL, "nothing", lambda: LATER) is None


def test_a_sid_is_matched_exactly(store: Store) -> None:
    store.create(_new("a"), WHEN)

    assert store.stop(ACCOUNT, CALL, "MZ" + "A" * 32, lambda: LATER) is None


def test_a_taken_sid_is_a_duplicate(store: Store) -> None:
    store.create(_new("1"), WHEN)

    with pytest.raises(DuplicateSid):
        store.create(_new("1", call_sid="CA" + "b" * 32), WHEN)


def test_a_name_in_progress_is_in_use(store: Store) -> None:
    store.create(_new("1", "n"), WHEN)

    with pytest.raises(NameInUse):
        store.create(_new("2", "n"), WHEN)


@pytest.mark.parametrize("last", sorted(TRACKS_OF))
def test_the_limit_of_a_call_counts_tracks(store: Store, last: str) -> None:
    single_tracks = MAX_TRACKS_PER_CALL - 1
    for digit in "123456789"[:single_tracks]:
        store.create(_new(digit), WHEN)

    if len(TRACKS_OF[last]) == 1:
        store.create(_new("e", track=last), WHEN)
    else:
        with pytest.raises(TooManyTracks) as refused:
            store.create(_new("e", track=last), WHEN)
        assert (refused.value.in_use, refused.value.needed) == (single_tracks, len(TRACKS_OF[last]))


def test_ending_a_call_stops_its_streams_and_refuses_new_ones(store: Store) -> None:
    live, other_call = store.create(_new("1", "n"), WHEN), store.create(_new("2", call_sid="CA" + "b" * 32), WHEN)
    stopped_first = store.create(_new("3"), WHEN)
    store.stop(ACCOUNT, CALL, stopped_first.sid, lambda: WHEN)

    ended = store.end_call(ACCOUNT, CALL, lambda: LATER)

    assert [(stream.sid, stream.status, stream.date_updated) for stream in ended.stopped] == [
        (live.sid, "stopped", LATER)
    ]
    assert (ended.date_updated, store.call_ended(ACCOUNT, CALL)) == (LATER, LATER)
    assert store.stop(ACCOUNT, CALL, "n", lambda: "never") == ended.stopped[0]
    assert store.stop(ACCOUNT, "CA" + "b" * 32, other_call.sid, lambda: LATER) is not None
    with pytest.raises(CallNotInProgress):
        store.create(_new("4"), WHEN)


def test_ending_an_ended_call_changes_nothing(store: Store) -> None:
    store.end_call(ACCOUNT, CALL, lambda: WHEN)

    again = store.end_call(ACCOUNT, CALL, lambda: LATER)

    assert (again.date_updated, again.stopped) == (WHEN, ())


def test_a_refused_create_leaves_nothing_behind(store: Store) -> None:
    store.create(_new("1", "n"), WHEN)
    with pytest.raises(NameInUse):
        store.create(_new("2", "n"), WHEN)

    assert store.stop(ACCOUNT, CALL, "MZ" + "2" * 32, lambda: LATER) is None


def test_names_and_values_are_stored_as_given(store: Store) -> None:
    name = "'; DROP TABLE streams; --\0\r\n☃"
    store.create(_new("1", name), WHEN)

    found = store.stop(ACCOUNT, CALL, name, lambda: LATER)

    assert found is not None
    assert found.name == name


def test_streams_survive_reopening_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "streams.sqlite3")
    store = Store(path)
    store.create(_new("1", "n"), WHEN)
    store.stop(ACCOUNT, CALL, "n", lambda: LATER)
    store.close()

    reopened = Store(path)

    # A stop of a stopped Stream only reads it back, unchanged.
    assert reopened.stop(ACCOUNT, CALL, "n", lambda: "later still") == reopened.stop(
        ACCOUNT, CALL, "MZ" + "1" * 32, lambda: "later still"
    )
    found = reopened.stop(ACCOUNT, CALL, "n", lambda: "later still")
    assert found is not None
    assert (found.status, found.date_updated) == ("stopped", LATER)
    reopened.close()


def test_the_file_is_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    path = str(tmp_path / "streams.sqlite3")
    store = Store(path)

    (mode,) = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()  # WAL is kept in the file
    # synchronous is a setting of each connection: the store's own one counts. FULL is 2.
    (synchronous,) = store._db.execute("PRAGMA synchronous").fetchone()
    store.close()

    assert (mode, synchronous) == ("wal", 2)


def test_two_connections_on_one_file_make_one_transition_and_no_duplicate_name(tmp_path: Path) -> None:
    path = str(tmp_path / "streams.sqlite3")
    stores = [Store(path) for _ in range(4)]
    outcomes: list[str] = []
    stops: list[str] = []
    barrier = threading.Barrier(len(stores))

    def race(index: int, store: Store) -> None:
        barrier.wait()
        try:
            store.create(_new(str(index + 1), "shared"), WHEN)
            outcomes.append("created")
        except NameInUse:
            outcomes.append("in use")
        barrier.wait()
        stopped = store.stop(ACCOUNT, CALL, "shared", lambda: f"Thu, 30 Jul 2015 20:00:0{index} +0000")
        assert stopped is not None
        stops.append(stopped.date_updated)

    threads = [threading.Thread(target=race, args=(index, store)) for index, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["in use"] * (len(stores) - 1)
    assert len(set(stops)) == 1
    for store in stores:
        store.close()
