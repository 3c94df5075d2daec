"""The benchmark scripts still run: tiny counts, real servers on loopback, no timing assertions.

Timing targets live in `make bench`, never here. wrk and Prism are not needed: the parts of the
throughput benchmark written in Python (starting the servers, the preflight request, reading wrk's
result line) are exercised directly.
"""

import dataclasses
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from twilio_stream_emulator.server import free_port

from bench import (
    chart,
    client_cost,
    command_time,
    durable_writes,
    import_time,
    media_streams,
    report,
    targets,
    throughput,
)
from bench.fixture import ACCOUNT_SID, AUTH_TOKEN, ROOT, basic_authorization
from bench.results import QUICK, ConformanceRun, Machine, Results
from bench.servers import ServerFailed, bare_server, running
from bench.stats import Summary, summarize

# Starts the benchmarks' servers and runs their measurements at tiny counts.
pytestmark = pytest.mark.slow

SVG = "{http://www.w3.org/2000/svg}"
WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:8080/x
  1 threads and 32 connections
  Latency Distribution
     50%  691.00us
     99%    1.41ms
  88197 requests in 2.01s, 69.06MB read
Requests/sec:  43973.51
BENCH_RESULT {"requests": 88197, "duration_us": 2005685, "p50_us": 691, "p99_us": 1414, \
"http_errors": 3, "socket_errors": 1}
"""


def test_summarize_gives_median_and_spread() -> None:
    summary = summarize([3.0, 1.0, 2.0, 10.0])

    assert (summary.median, summary.low, summary.high, summary.samples) == (2.5, 1.0, 10.0, 4)
    assert summary.spread_percent() == pytest.approx(180.0)


def test_summarize_refuses_no_samples() -> None:
    with pytest.raises(ValueError, match="no samples"):
        summarize([])


def test_client_cost_measures_every_client_against_the_floor(tmp_path: Path) -> None:
    costs = client_cost.run(tmp_path, calls=2, repeats=1, warmup=1)

    assert [cost.client for cost in costs] == list(client_cost.CLIENTS)
    assert all(cost.wall_us.median > 0 and cost.cpu_us.samples == 1 for cost in costs)


def test_client_cost_rotates_the_order_and_counts_every_call() -> None:
    calls: list[tuple[str, int]] = []

    def recorder(name: str) -> client_cost.BatchRunner:
        return lambda n: calls.append((name, n))

    runners = {name: recorder(name) for name in ("a", "b", "c")}

    costs = client_cost.measure(runners, calls=5, repeats=3, warmup=2)

    assert calls[:3] == [("a", 2), ("b", 2), ("c", 2)]  # the warm-up
    assert [name for name, _ in calls[3:]] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert all(n == 5 for _, n in calls[3:])
    assert [cost.wall_us.samples for cost in costs] == [3, 3, 3]


def test_client_cost_refuses_an_answer_that_is_not_a_stopped_stream() -> None:
    with pytest.raises(client_cost.WrongAnswer, match="'in-progress'"):
        client_cost._expect_stopped("a client", "in-progress")


def test_import_time_measures_every_variant_once() -> None:
    costs = import_time.measure(runs=1)

    assert [cost.variant for cost in costs] == list(import_time.SNIPPETS)
    assert all(cost.ms.median > 0 for cost in costs)


def test_wrk_result_line_is_read() -> None:
    run = throughput.parse_wrk_output(WRK_OUTPUT)

    assert (run.requests, run.p50_ms, run.p99_ms, run.http_errors, run.socket_errors) == (88197, 0.691, 1.414, 3, 1)
    assert run.requests_per_second == pytest.approx(88197 / 2.005685)


def test_wrk_output_without_the_result_line_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one BENCH_RESULT line"):
        throughput.parse_wrk_output("Requests/sec:  43973.51\n")


def test_the_lua_script_posts_the_stop_form_and_prints_the_result_line() -> None:
    lua = (ROOT / throughput.LUA_SCRIPT).read_text(encoding="utf-8")

    assert 'wrk.method = "POST"' in lua
    assert 'wrk.body = "Status=stopped"' in lua
    assert 'os.getenv("WRK_AUTHORIZATION")' in lua
    assert throughput.RESULT_MARKER.strip() in lua


def test_wrk_runs_the_script_with_one_thread_and_the_given_connections() -> None:
    arguments = throughput.wrk_arguments("http://127.0.0.1:1/x", 32, 5)

    assert " ".join(arguments) == (
        "--threads 1 --connections 32 --duration 5s --timeout 5s --latency --script bench/stop_stream.lua "
        "http://127.0.0.1:1/x"
    )


def test_floors_start_and_answer_the_stop_request(tmp_path: Path) -> None:
    notes: list[str] = []
    with ExitStack() as stack:
        started = targets.start(stack, tmp_path, emulator=False, prism=False, note=notes.append)

        answers = [throughput.preflight(target) for target in started]

    assert [target.name for target in started] == [targets.BARE_1, targets.BARE_2, targets.STARLETTE_1]
    assert all(answer.status == 200 for answer in answers)
    assert notes == []


def test_the_floor_replays_the_emulators_answer_byte_for_byte(tmp_path: Path) -> None:
    with ExitStack() as stack:
        started = {t.name: t for t in targets.start(stack, tmp_path, emulator=True, prism=False, note=pytest.fail)}
        emulator = throughput.preflight(started[targets.EMULATOR_1])
        floor = throughput.preflight(started[targets.BARE_1])

    assert targets.EMULATOR_2 in started
    assert (floor.status, floor.headers, floor.body) == (emulator.status, emulator.headers, emulator.body)


def test_preflight_refuses_a_server_that_does_not_answer_a_stopped_stream(tmp_path: Path) -> None:
    answer = throughput.RecordedAnswer(401, [("content-type", "application/json")], '{"code": 20003}')
    env = {"BENCH_BARE_RESPONSE": str(answer.write(tmp_path / "answer.json"))}

    with bare_server(tmp_path, env=env) as server, pytest.raises(ServerFailed, match="answered 401"):
        throughput.preflight(throughput.Target("wrong", server.base_url + "/x"))


def test_a_server_that_exits_at_start_is_reported(tmp_path: Path) -> None:
    port = free_port()
    with (
        pytest.raises(ServerFailed, match="exited with 3"),
        running("dies", [sys.executable, "-c", "exit(3)"], port, tmp_path),
    ):
        pass


def test_time_command_reads_the_api_calls_of_a_conformance_run() -> None:
    run = command_time.time_command(
        [sys.executable, "-c", "print('  1234 API calls in 5.6 s (coverage 34, fuzzing 1200)')"], runs=2
    )

    assert run.seconds.samples == 2
    assert command_time.api_calls_in(run.output) == (1234, 5.6)
    assert command_time.api_calls_in("no summary") is None


def test_time_command_reports_a_failing_command() -> None:
    with pytest.raises(RuntimeError, match="exited with 2"):
        command_time.time_command([sys.executable, "-c", "raise SystemExit(2)"], runs=1)

    kept = command_time.time_command([sys.executable, "-c", "raise SystemExit(2)"], runs=1, must_succeed=False)
    assert kept.exit_code == 2


def _fake_results() -> Results:
    def s(value: float) -> Summary:
        return Summary(value, value * 0.9, value * 1.1, 3)

    results = Results(plan=QUICK, machine=Machine.current(), command="make bench QUICK=1", wrk_command="wrk ...")
    results.client_cost = [
        client_cost.CallCost(client_cost.GENERATED_SYNC, s(330), s(310)),
        client_cost.CallCost(client_cost.HTTPX_SYNC, s(300), s(290)),
        client_cost.CallCost(client_cost.TWILIO_SDK, s(520), s(500)),
    ]
    results.import_time = [
        import_time.ImportCost(import_time.HTTPX, "import httpx", s(70)),
        import_time.ImportCost(import_time.OURS_FIRST_USE, "...", s(95)),
    ]
    results.throughput = [
        throughput.Throughput(name, c, s(rps), s(1), s(2), 0, 0)
        for name, rps in (
            (targets.BARE_1, 20000),
            (targets.STARLETTE_1, 15000),
            (targets.EMULATOR_1, 12000),
            (targets.EMULATOR_1_QUIET, 14000),
            (targets.PRISM, 2000),
        )
        for c in (1, 32)
    ]
    results.conformance = ConformanceRun(command_time.CommandTime("make -s conformance", s(24), 0, ""), 1200, 20.0)
    results.note("generate", "Not measured: no generator.")
    results.media = [
        _media_row(media_streams.EMULATOR, 100, p99=8.0, stop=(-0.5, 3.0)),
        _media_row(media_streams.FLOOR, 100, p99=6.0),
        _media_row(media_streams.EMULATOR, 1000, p99=350.0, stop=(40.0, 90.0), delivered=0.9),
        _media_row(media_streams.FLOOR, 1000, p99=18.0),
    ]
    results.writes = [
        durable_writes.WriteRate(writer, c, s(rate), s(30), s(50) if writer == durable_writes.EMULATOR else None, 0)
        for writer, c, rate in (
            (durable_writes.EMULATOR, 1, 200),
            (durable_writes.EMULATOR, 32, 250),
            (durable_writes.FLOOR, 1, 500),
            (durable_writes.FLOOR, 32, 400),
        )
    ]
    return results


def _media_row(
    sender: str, streams: int, p99: float, stop: tuple[float, float] | None = None, delivered: float = 1.0
) -> media_streams.MediaRow:
    expected = streams * 500
    return media_streams.MediaRow(
        sender=sender,
        streams=streams,
        window_s=10.0,
        frames=round(expected * delivered),
        frames_expected=expected,
        fewest_frames=round(500 * delivered),
        lateness_p50_ms=p99 / 4,
        lateness_p99_ms=p99,
        lateness_max_ms=p99 * 2,
        sender_cpu=50.0,
        receiver_cpu=40.0,
        other_cpu=5.0,
        closed_normally=streams,
        stop_samples=20 if stop else 0,
        stop_p50_ms=stop[0] if stop else None,
        stop_p99_ms=stop[1] if stop else None,
        stops_before_200=11 if stop and stop[0] < 0 else 0,
    )


def test_report_states_every_target_with_its_verdict() -> None:
    text = report.markdown(_fake_results(), "bench/chart.svg")

    assert "twilio-stream-client (sync) within 1.15x of raw httpx.Client: wall 1.10x, CPU 1.07x: met." in text
    assert "the SDK costs 1.58x in wall time and 1.61x in client CPU: met." in text
    assert "at most `import httpx` + 20 ms: +25.0 ms: **missed**." in text
    assert (
        "- Target emulator, 1 worker, 1 connection(s): at least 50% of the floor and at least 3x Prism: "
        "60% of the floor, 6.0x Prism: met."
    ) in text
    assert (
        "- Target emulator, 1 worker, 32 connection(s): at least 3x Prism: 6.0x Prism: met; 60% of the floor, "
        'shown but not a target at 32 connections (docs/performance.md, "The throughput targets").'
    ) in text
    assert (
        "1 worker, 32 connection(s): bare ASGI floor, 1 worker 20,000 req/s (100%) -> Starlette route, 1 worker "
        "15,000 req/s (75%) -> emulator, 1 worker, --log-level warning 14,000 req/s (70%) -> emulator, 1 worker "
        "12,000 req/s (60%)."
    ) in text
    assert "| `make -s conformance` | 24.0 (21.6-26.4) | 1,200 | 50.0 | 20.0 | 60.0 |" in text
    assert "> Not measured: no generator." in text
    assert "![Throughput, per-call cost, lateness and durable writes](bench/chart.svg)" in text


@pytest.mark.parametrize(
    ("connections", "emulator_rps", "prism_rps", "verdict"),
    [
        # The floor answers 20,000 requests/s at both concurrencies.
        (1, 9000, 2000, "45% of the floor, 4.5x Prism: **missed**."),
        (1, 11000, 4400, "55% of the floor, 2.5x Prism: **missed**."),
        (1, 11000, 2000, "55% of the floor, 5.5x Prism: met."),
        (32, 7000, 2000, "3.5x Prism: met; 35% of the floor, shown but not a target"),
        (32, 5000, 2000, "2.5x Prism: **missed**; 25% of the floor, shown but not a target"),
    ],
)
def test_the_floor_share_is_a_target_with_one_connection_and_the_lead_on_prism_with_any(
    connections: int, emulator_rps: float, prism_rps: float, verdict: str
) -> None:
    results = _fake_results()
    replaced = {(targets.EMULATOR_1, connections): emulator_rps, (targets.PRISM, connections): prism_rps}
    assert results.throughput is not None
    results.throughput = [
        dataclasses.replace(row, requests_per_second=Summary(replaced[(row.target, row.concurrency)], 0, 0, 1))
        if (row.target, row.concurrency) in replaced
        else row
        for row in results.throughput
    ]

    text = report.markdown(results, "bench/chart.svg")

    line = next(line for line in text.splitlines() if line.startswith(f"- Target emulator, 1 worker, {connections} "))
    assert verdict in line


def test_report_states_the_media_target_against_the_floor() -> None:
    text = report.markdown(_fake_results(), "bench/chart.svg")

    assert "## 6. Concurrent real-time Streams" in text
    assert (
        "- Target at least 1,000 inbound_track Streams on one worker, frame lateness p99 under 20 ms and 99% of the "
        "frames delivered, the receiver in another process: p99 350.0 ms, 90% of the frames; the floor at 1,000: "
        "p99 18.0 ms, 100% of the frames: **missed**."
    ) in text
    assert "- Most Streams within the lateness and delivery target, emulator, 1 worker: 100 Streams." in text
    assert "target, bare websockets sender (floor): 1,000 Streams." in text
    assert "Stop to `stop` message at 100 Streams: p50 -0.5 ms, p99 3.0 ms over 20 stops; 11 `stop` messages" in text
    assert "| emulator, 1 worker | 1,000 | 450,000 / 500,000 (90%) | 450 | 87.5 | 350.0 | 700.0 | 50 | 40 | 5 |" in (
        text
    )


def test_report_misses_the_media_target_when_the_emulator_has_no_row_at_the_target() -> None:
    results = _fake_results()
    results.plan = dataclasses.replace(results.plan, media_counts=(100, 1000))
    results.media = [row for row in results.media or [] if (row.sender, row.streams) != (media_streams.EMULATOR, 1000)]

    text = report.markdown(results, "bench/chart.svg")

    assert "no emulator row at 1,000 Streams (see the notes): **missed**." in text


def test_report_does_not_judge_a_target_count_it_did_not_try() -> None:
    results = _fake_results()
    results.media = [row for row in results.media or [] if row.streams == 100]

    assert "not measured at 1,000 Streams in this run (most: 100)." in report.markdown(results, "bench/chart.svg")


def test_report_gives_the_writes_as_a_share_of_the_best_floor() -> None:
    text = report.markdown(_fake_results(), "bench/chart.svg")

    assert "## 7. Durable writes" in text
    assert "| emulator, 1 worker, --no-media | 32 | 250 (225-275) | 50% | 30 (27-33) | 50 (45-55) | 0 |" in text
    assert "- The floor is bare SQLite's best: 500 Streams/s with 1 connection(s), 1.00 ms per durable commit." in text
    assert "- emulator, 1 worker, --no-media, concurrency 1: 200 Streams/s, 40% of the floor." in text


def test_report_says_when_the_media_rows_are_missing() -> None:
    results = _fake_results()
    results.media = None
    results.note("media", "emulator, 1 worker, 1000 Streams: not measured (MediaFailed: too slow).")

    text = report.markdown(results, "bench/chart.svg")

    assert "## 6. Concurrent real-time Streams\n\n> emulator, 1 worker, 1000 Streams: not measured" in text


def test_chart_draws_one_bar_per_figure() -> None:
    svg = ET.fromstring(report.chart_svg(_fake_results()))  # noqa: S314 - our own SVG

    bars = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("height") == str(chart.BAR_HEIGHT)]
    # five servers at two concurrencies, three clients wall and CPU, two senders at two counts, four writers
    assert len(bars) == 5 * 2 + 3 * 2 + 2 * 2 + 4
    assert all(float(bar.get("width", "0")) > 0 for bar in bars)


def _quick_run(tmp_path: Path, measurements: tuple[str, ...], timeout: float) -> "subprocess.CompletedProcess[str]":
    """`python -m bench --quick` of these measurements, writing everything under ``tmp_path``."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "bench", "--quick"),
            *(argument for measurement in measurements for argument in ("--only", measurement)),
            *("--markdown", str(tmp_path / "B.md"), "--chart", str(tmp_path / "c.svg")),
            *("--results-dir", str(tmp_path)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_quick_run_writes_the_report_the_chart_and_the_results(tmp_path: Path) -> None:
    completed = _quick_run(tmp_path, ("import", "generate"), timeout=120)

    assert completed.returncode == 0, completed.stderr
    assert "## 2. Import time" in (tmp_path / "B.md").read_text(encoding="utf-8")
    assert "## 5. `make generate`" in (tmp_path / "B.md").read_text(encoding="utf-8")
    ET.parse(tmp_path / "c.svg")  # noqa: S314 - our own SVG
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["plan"]["mode"] == "quick"


def test_quick_run_of_the_streams_measurements_has_every_row(tmp_path: Path) -> None:
    completed = _quick_run(tmp_path, ("media", "writes"), timeout=240)

    assert completed.returncode == 0, completed.stderr
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["notes"] == {}
    media = results["media"]
    assert [(row["sender"], row["streams"]) for row in media] == [
        (sender, count) for count in QUICK.media_counts for sender in (media_streams.EMULATOR, media_streams.FLOOR)
    ]
    for row in media:
        assert row["fewest_frames"] > 0
        assert row["frames_expected"] == pytest.approx(row["streams"] * QUICK.media_window_s / 0.020, rel=0.05)
        assert row["closed_normally"] == row["streams"]
        assert row["lateness_p50_ms"] <= row["lateness_p99_ms"] <= row["lateness_max_ms"]
    emulator_rows = [row for row in media if row["sender"] == media_streams.EMULATOR]
    assert all(row["stop_samples"] == QUICK.media_stop_sample and row["stops_missing"] == 0 for row in emulator_rows)
    writes = results["writes"]
    assert [(rate["writer"], rate["concurrency"]) for rate in writes] == [
        (writer, c) for writer in (durable_writes.EMULATOR, durable_writes.FLOOR) for c in QUICK.write_concurrencies
    ]
    assert all(rate["streams_per_second"]["median"] > 0 and rate["failures"] == 0 for rate in writes)
    text = (tmp_path / "B.md").read_text(encoding="utf-8")
    assert "## 6. Concurrent real-time Streams" in text
    assert "## 7. Durable writes" in text
    ET.parse(tmp_path / "c.svg")  # noqa: S314 - our own SVG


def test_the_lua_scripts_authorization_is_what_clients_send() -> None:
    signed = next(httpx.BasicAuth(ACCOUNT_SID, AUTH_TOKEN).auth_flow(httpx.Request("POST", "http://127.0.0.1/")))

    assert signed.headers["Authorization"] == basic_authorization()
