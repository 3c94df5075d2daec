"""BENCHMARKS.md's sections on the emulator's Streams (6: concurrent real-time Streams, 7: durable writes),
with their target lines and chart panels."""

from bench import chart
from bench.durable_writes import FLOOR as WRITE_FLOOR
from bench.durable_writes import WriteRate
from bench.markdown import cell, notes, table, verdict
from bench.media_streams import EMULATOR as MEDIA_EMULATOR
from bench.media_streams import FLOOR as MEDIA_FLOOR
from bench.media_streams import TARGET_P99_MS, TARGET_STREAMS, MediaRow
from bench.results import Results
from bench.stats import ratio


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _media_rows(rows: list[MediaRow]) -> list[list[str]]:
    return [
        [
            row.sender,
            f"{row.streams:,}",
            f"{row.frames:,} / {row.frames_expected:,} ({ratio(row.frames, row.frames_expected):.0%})",
            f"{row.fewest_frames:,}",
            _ms(row.lateness_p50_ms),
            _ms(row.lateness_p99_ms),
            _ms(row.lateness_max_ms),
            _percent(row.sender_cpu),
            _percent(row.receiver_cpu),
            _percent(row.other_cpu),
            _ms(row.stop_p50_ms) if row.sender == MEDIA_EMULATOR else "-",
            _ms(row.stop_p99_ms) if row.sender == MEDIA_EMULATOR else "-",
        ]
        for row in rows
    ]


def _media_targets(rows: list[MediaRow], attempted: tuple[int, ...]) -> list[str]:
    by_key = {(row.sender, row.streams): row for row in rows}
    lines = []
    target = f"at least {TARGET_STREAMS:,} inbound_track Streams on one worker, frame lateness p99 under " + (
        f"{TARGET_P99_MS:.0f} ms and 99% of the frames delivered, the receiver in another process"
    )
    mine, floor = by_key.get((MEDIA_EMULATOR, TARGET_STREAMS)), by_key.get((MEDIA_FLOOR, TARGET_STREAMS))
    if mine is None and TARGET_STREAMS in attempted:
        lines.append(f"- Target {target}: no emulator row at {TARGET_STREAMS:,} Streams (see the notes): **missed**.")
    elif mine is None:
        largest = max((row.streams for row in rows if row.sender == MEDIA_EMULATOR), default=0)
        lines.append(f"- Target {target}: not measured at {TARGET_STREAMS:,} Streams in this run (most: {largest:,}).")
    else:
        beside = (
            f"; the floor at {TARGET_STREAMS:,}: p99 {floor.lateness_p99_ms:,.1f} ms, "
            f"{ratio(floor.frames, floor.frames_expected):.0%} of the frames"
            if floor
            else ""
        )
        lines.append(
            f"- Target {target}: p99 {mine.lateness_p99_ms:,.1f} ms, "
            f"{ratio(mine.frames, mine.frames_expected):.0%} of the frames{beside}: {verdict(mine.meets_target())}."
        )
    for sender in (MEDIA_EMULATOR, MEDIA_FLOOR):
        within = [row.streams for row in rows if row.sender == sender and row.meets_target()]
        measured = [row.streams for row in rows if row.sender == sender]
        if measured:
            most = f"{max(within):,} Streams" if within else "none of the counts measured"
            lines.append(f"- Most Streams within the lateness and delivery target, {sender}: {most}.")
    for row in rows:
        if row.sender == MEDIA_EMULATOR and row.stop_samples:
            lines.append(
                f"- Stop to `stop` message at {row.streams:,} Streams: p50 {_ms(row.stop_p50_ms)} ms, p99 "
                f"{_ms(row.stop_p99_ms)} ms over {row.stop_samples} stops; {row.stops_before_200} `stop` messages "
                f"reached the receiver before the 200 reached the client (a negative latency), "
                f"{row.stops_missing} never arrived; {row.closed_normally:,} of {row.streams:,} WebSockets closed "
                "with 1000."
            )
    return lines


def media_section(results: Results) -> list[str]:
    plan = results.plan
    lines = ["## 6. Concurrent real-time Streams", ""]
    if results.media:
        lines += [
            f"Command: `{results.command}` (`bench/media_streams.py`, with `bench/media_receiver.py` and "
            "`bench/media_sender.py`). For each count of Streams, two rows, each with a fresh receiver process "
            "(websockets' Sans-I/O protocol under an asyncio Protocol on uvloop, loopback), which notes the "
            "arrival of every frame "
            "(`time.monotonic()`) and its `media.timestamp`. **Emulator**: its command with 1 worker, a fresh "
            "store file and `--log-level warning`; the Streams are created over HTTP, 32 at a time, each on a "
            "call of its own, `Track` left at `inbound_track`. **Floor**: one process of websockets and the event "
            "loop alone sending the emulator's own frames on the same schedule (tick k at t0 + k x 20 ms). "
            f"Once every Stream streams and {plan.media_settle_s:g} s have passed, a window of "
            f"{plan.media_window_s:g} s is measured. Lateness of a frame = (arrival - timestamp) minus the "
            "smallest such offset of its Stream: how far behind the Stream's own best-kept schedule it came "
            "(jitter and drift; the constant delay cancels out); the percentiles are over all frames of the "
            "window, one run per row. CPU is utime + stime over the window from /proc (100% is one core); "
            "'others' is what the rest of the machine used meanwhile (of 200%). After the window, "
            f"{plan.media_stop_sample} Streams are stopped one at a time, each at a random point of the tick: "
            "the stop latency is the arrival of the `stop` message at the receiver minus the arrival of the "
            "200 at the client (one clock, CLOCK_MONOTONIC, for both processes).",
            "",
            *table(
                [
                    "Sender",
                    "Streams",
                    "Frames received / expected",
                    "Fewest per Stream",
                    "Lateness p50 ms",
                    "p99 ms",
                    "max ms",
                    "Sender CPU %",
                    "Receiver CPU %",
                    "Others' CPU %",
                    "Stop to `stop` p50 ms",
                    "p99 ms",
                ],
                _media_rows(results.media),
            ),
            "",
            *_media_targets(results.media, plan.media_counts),
        ]
    said = notes(results, "media") or ([] if results.media else ["> Not measured in this run."])
    return [*lines, *said, ""]


def _best_floor(rates: list[WriteRate]) -> WriteRate | None:
    floors = [rate for rate in rates if rate.writer == WRITE_FLOOR]
    return max(floors, key=lambda rate: rate.streams_per_second.median, default=None)


def writes_section(results: Results) -> list[str]:
    plan = results.plan
    lines = ["## 7. Durable writes", ""]
    rates = results.writes
    if rates:
        floor = _best_floor(rates)
        floor_rate = floor.streams_per_second.median if floor else 0.0
        rows = [
            [
                rate.writer,
                str(rate.concurrency),
                cell(rate.streams_per_second, 0),
                "(floor)" if rate.writer == WRITE_FLOOR else f"{ratio(rate.streams_per_second.median, floor_rate):.0%}",
                cell(rate.writer_cpu, 0),
                cell(rate.client_cpu, 0) if rate.client_cpu else "-",
                str(rate.failures),
            ]
            for rate in rates
        ]
        lines += [
            f"Command: `{results.command}` (`bench/durable_writes.py`, `bench/sqlite_floor.py`). A Stream is "
            "created, then stopped by SID; each write is acknowledged only once it is on disk (SQLite, WAL, "
            "`synchronous=FULL`: one fsync per commit, so two per Stream). **Emulator**: its command with 1 "
            "worker and `--no-media` (the store and the REST path, nothing dialed) on a store file in "
            "`bench/results/`; the client (`bench/lean_client.py`, in the benchmark's process: requests written as "
            "bytes, answers read by Content-Length; httpx cost more CPU per request than the emulator) keeps C "
            "connections busy, each create on a fresh CallSid (neither the name rule nor the track limit "
            "refuses one). "
            "**Floor**: SQLite alone in one process, per Stream the store's INSERT and its stop's UPDATE, each "
            "its own transaction, on the store's schema with its PRAGMAs, C threads with a connection each. "
            f"{plan.write_repeats} runs of {plan.write_seconds:g} s per writer and concurrency, interleaved; "
            "median (lowest-highest run). CPU % is of one core: the emulator's worker or the floor's loop, and "
            "the HTTP client.",
            "",
            *table(
                [
                    "Writer",
                    "Concurrency",
                    "Streams/s (create + stop)",
                    "Share of floor",
                    "Writer CPU %",
                    "Client CPU %",
                    "Failed answers",
                ],
                rows,
            ),
            "",
        ]
        if floor is not None and floor_rate:
            lines.append(
                f"- The floor is bare SQLite's best: {floor_rate:,.0f} Streams/s with {floor.concurrency} "
                f"connection(s), {1000 / (2 * floor_rate):.2f} ms per durable commit."
            )
            for rate in rates:
                if rate.writer != WRITE_FLOOR:
                    lines.append(
                        f"- {rate.writer}, concurrency {rate.concurrency}: "
                        f"{rate.streams_per_second.median:,.0f} Streams/s, "
                        f"{ratio(rate.streams_per_second.median, floor_rate):.0%} of the floor."
                    )
    said = notes(results, "writes") or ([] if rates else ["> Not measured in this run."])
    return [*lines, *said, ""]


def chart_panels(results: Results) -> list[chart.Panel]:
    panels = []
    if results.media:
        counts = list(dict.fromkeys(row.streams for row in results.media))
        by_key = {(row.sender, row.streams): row.lateness_p99_ms for row in results.media}
        senders = (MEDIA_EMULATOR, MEDIA_FLOOR)
        panels.append(
            chart.Panel(
                title="Frame lateness p99 in ms, concurrent Streams on one process (lower is better)",
                unit="ms",
                series=[chart.Series(MEDIA_EMULATOR, "#6a51a3"), chart.Series(MEDIA_FLOOR, "#bcbddc")],
                groups=[
                    chart.Group(f"{count:,} Streams", [by_key.get((sender, count)) for sender in senders])
                    for count in counts
                ],
            )
        )
    if results.writes:
        panels.append(
            chart.Panel(
                title="Streams created and stopped per second, durable (higher is better)",
                unit="/s",
                series=[chart.Series("Streams/s", "#31a354")],
                groups=[
                    chart.Group(
                        f"{rate.writer}, concurrency {rate.concurrency}",
                        [rate.streams_per_second.median],
                        highlight=rate.writer != WRITE_FLOOR,
                    )
                    for rate in results.writes
                ],
            )
        )
    return panels
