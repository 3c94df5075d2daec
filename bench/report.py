"""BENCHMARKS.md and the chart, from one run's results: one table per measurement, then the targets."""

from pathlib import Path

from bench import chart, report_streams
from bench.client_cost import BASELINE_OF, GENERATED_ASYNC, GENERATED_SYNC, TWILIO_SDK, CallCost
from bench.import_time import BUDGET_OVER_HTTPX_MS, HTTPX, OURS_FIRST_USE, TWILIO_FIRST_USE, ImportCost
from bench.markdown import cell, notes, table, verdict
from bench.results import Results
from bench.stats import ratio
from bench.targets import BARE_1, EMULATOR_1, EMULATOR_1_QUIET, EMULATOR_2, FLOOR_OF, PRISM, STARLETTE_1
from bench.throughput import Throughput

CLIENT_RATIO_TARGET = 1.15
# The emulator's throughput targets; docs/performance.md ("The throughput targets") says why these.
# At least half of the bare ASGI floor where a test suite calls it, one request at a time:
FLOOR_SHARE_TARGET = 0.5
FLOOR_SHARE_CONNECTIONS = 1
# Well ahead of Prism, the stock contract mock, at every concurrency measured (1 and 32 connections):
PRISM_RATIO_TARGET = 3.0
FINDINGS = Path(__file__).resolve().parent / "findings.md"


def _client_section(results: Results, costs: list[CallCost]) -> list[str]:
    plan = results.plan
    by_name = {cost.client: cost for cost in costs}
    rows = []
    for cost in costs:
        peer = by_name.get(BASELINE_OF.get(cost.client, ""))
        rows.append(
            [
                cost.client,
                cell(cost.wall_us),
                cell(cost.cpu_us),
                f"{ratio(cost.wall_us.median, peer.wall_us.median):.2f}x" if peer else "n/a",
                f"{ratio(cost.cpu_us.median, peer.cpu_us.median):.2f}x" if peer else "n/a",
                peer.client if peer else "(reference)",
            ]
        )
    lines = [
        "## 1. Client cost per call",
        "",
        f"Command: `{results.command}` (`bench/client_cost.py`). Each client stops the same Stream on a bare "
        f"uvicorn app (1 worker, loopback), sequentially over one kept-alive connection: {plan.client_warmup} "
        f"warm-up calls, then {plan.client_repeats} repeats of {plan.client_calls} calls, the clients' order "
        "rotated between repeats. Microseconds per call, median (lowest-highest repeat). Client CPU is "
        "`time.process_time()` of the benchmark process; the server runs in another process.",
        "",
        *table(
            ["Client", "Wall µs/call", "Client CPU µs/call", "Wall vs peer", "CPU vs peer", "Peer"],
            rows,
        ),
        "",
    ]
    for ours in (GENERATED_SYNC, GENERATED_ASYNC):
        if ours in by_name and BASELINE_OF[ours] in by_name:
            mine, peer = by_name[ours], by_name[BASELINE_OF[ours]]
            wall = ratio(mine.wall_us.median, peer.wall_us.median)
            cpu = ratio(mine.cpu_us.median, peer.cpu_us.median)
            lines.append(
                f"- Target {ours} within {CLIENT_RATIO_TARGET}x of {peer.client}: wall {wall:.2f}x, "
                f"CPU {cpu:.2f}x: {verdict(max(wall, cpu) <= CLIENT_RATIO_TARGET)}."
            )
    if GENERATED_SYNC in by_name and TWILIO_SDK in by_name:
        mine, sdk = by_name[GENERATED_SYNC], by_name[TWILIO_SDK]
        wall = ratio(sdk.wall_us.median, mine.wall_us.median)
        cpu = ratio(sdk.cpu_us.median, mine.cpu_us.median)
        lines.append(
            f"- Target {GENERATED_SYNC} ahead of the {TWILIO_SDK}: the SDK costs {wall:.2f}x in wall time and "
            f"{cpu:.2f}x in client CPU: {verdict(wall > 1 and cpu > 1)}."
        )
    return [*lines, *notes(results, "client"), ""]


def _import_section(results: Results, costs: list[ImportCost]) -> list[str]:
    by_name = {cost.variant: cost for cost in costs}
    httpx_ms = by_name[HTTPX].ms.median if HTTPX in by_name else 0.0
    rows = [
        [
            cost.variant,
            "`" + cost.snippet.replace("\n", "; ") + "`",
            cell(cost.ms),
            f"{cost.ms.median - httpx_ms:+.1f} ms" if cost.variant != HTTPX else "(reference)",
        ]
        for cost in costs
    ]
    lines = [
        "## 2. Import time",
        "",
        f"Command: `{results.command}` (`bench/import_time.py`). Each sample runs the snippet in a fresh "
        f"`python -I` interpreter and times it from the inside, so interpreter start-up is left out; "
        f"{results.plan.import_runs} samples per variant, interleaved. Milliseconds, median (lowest-highest).",
        "",
        *table(["Variant", "Snippet", "ms", "vs import httpx"], rows),
        "",
    ]
    if OURS_FIRST_USE in by_name and HTTPX in by_name:
        extra = by_name[OURS_FIRST_USE].ms.median - httpx_ms
        lines.append(
            f"- Target {OURS_FIRST_USE} at most `import httpx` + {BUDGET_OVER_HTTPX_MS:.0f} ms: "
            f"{extra:+.1f} ms: {verdict(extra <= BUDGET_OVER_HTTPX_MS)}."
        )
    if TWILIO_FIRST_USE in by_name and OURS_FIRST_USE in by_name:
        lines.append(
            f"- For comparison, {TWILIO_FIRST_USE} takes {by_name[TWILIO_FIRST_USE].ms.median:.1f} ms and "
            f"ours {by_name[OURS_FIRST_USE].ms.median:.1f} ms."
        )
    return [*lines, *notes(results, "import"), ""]


def _throughput_section(results: Results, rows_in: list[Throughput]) -> list[str]:
    plan = results.plan
    rps = {(row.target, row.concurrency): row.requests_per_second.median for row in rows_in}
    rows = []
    for row in rows_in:
        floor = FLOOR_OF.get(row.target)
        share = ratio(row.requests_per_second.median, rps.get((floor, row.concurrency), 0.0)) if floor else None
        rows.append(
            [
                row.target,
                str(row.concurrency),
                cell(row.requests_per_second, 0),
                f"{share:.0%} of {floor}" if share is not None else "(floor)",
                cell(row.p50_ms, 2),
                cell(row.p99_ms, 2),
                f"{row.http_errors} / {row.socket_errors}",
            ]
        )
    lines = [
        "## 3. Server throughput and latency",
        "",
        f"Command: `{results.command}` (`bench/throughput.py`, `bench/targets.py`), which runs for every server "
        f"and concurrency C: `{results.wrk_command}`. The script posts `Status=stopped` with basic auth to "
        "one existing Stream over kept-alive connections. Every server answered that request with a stopped "
        f"Stream before the load started; the floors replay the emulator's own answer byte for byte. "
        f"{plan.wrk_repeats} runs of {plan.wrk_seconds} s per server and concurrency after a "
        f"{plan.wrk_warmup_seconds} s warm-up, servers interleaved; median (lowest-highest run). "
        "The floors run on the emulator's own server settings (`bench/serve.py`: uvicorn, uvloop, the emulator's "
        "httptools protocol, no uvicorn access log).",
        "",
        *table(
            [
                "Server",
                "Connections",
                "Requests/s",
                "Share of floor",
                "p50 ms",
                "p99 ms",
                "Answers ≥400 / socket errors",
            ],
            rows,
        ),
        "",
    ]
    for emulator in (EMULATOR_1, EMULATOR_2):  # the emulator as users run it; the quiet one is for insight
        for concurrency in plan.concurrencies:
            mine = rps.get((emulator, concurrency))
            if mine is None:
                continue
            floor_rps = rps.get((FLOOR_OF[emulator], concurrency), 0.0)
            prism = rps.get((PRISM, concurrency))
            share = ratio(mine, floor_rps)
            lines.append(_throughput_target(emulator, concurrency, share, ratio(mine, prism) if prism else None))
    ladder = [BARE_1, STARLETTE_1, EMULATOR_1_QUIET, EMULATOR_1]
    for concurrency in plan.concurrencies:
        steps = [(name, rps[(name, concurrency)]) for name in ladder if (name, concurrency) in rps]
        if len(steps) == len(ladder):
            floor_rps = steps[0][1]
            lines.append(
                f"- Where the time goes, 1 worker, {concurrency} connection(s): "
                + " -> ".join(f"{name} {value:,.0f} req/s ({ratio(value, floor_rps):.0%})" for name, value in steps)
                + "."
            )
    return [*lines, *notes(results, "throughput"), ""]


def _throughput_target(emulator: str, concurrency: int, share: float, against_prism: float | None) -> str:
    """One target line: the floor share counts at FLOOR_SHARE_CONNECTIONS only, the lead on Prism at all."""
    prism_text = f"{against_prism:.1f}x Prism" if against_prism is not None else "Prism not measured"
    prism_met = against_prism is None or against_prism >= PRISM_RATIO_TARGET
    prism_goal = f"at least {PRISM_RATIO_TARGET:.0f}x Prism"
    if concurrency == FLOOR_SHARE_CONNECTIONS:
        met = share >= FLOOR_SHARE_TARGET and prism_met
        return (
            f"- Target {emulator}, {concurrency} connection(s): at least {FLOOR_SHARE_TARGET:.0%} of the floor "
            f"and {prism_goal}: {share:.0%} of the floor, {prism_text}: {verdict(met)}."
        )
    return (
        f"- Target {emulator}, {concurrency} connection(s): {prism_goal}: {prism_text}: {verdict(prism_met)}; "
        f"{share:.0%} of the floor, shown but not a target at {concurrency} connections "
        '(docs/performance.md, "The throughput targets").'
    )


def _conformance_section(results: Results) -> list[str]:
    lines = ["## 4. Conformance suite", ""]
    run = results.conformance
    if run is not None:
        per_second, per_suite_second = run.calls_per_second(), run.calls_per_suite_second()
        lines += [
            f"Command: `{run.time.command}` (the default run: the bundled emulator on a free loopback port); "
            f"{run.time.seconds.samples} run(s), wall seconds, median (lowest-highest). The suite's own time "
            "is the one its summary line reports; the wall time adds make, the emulator's start and schema loading.",
            "",
            *table(
                ["Command", "Wall s", "API calls", "API calls/s (wall)", "Suite's own s", "API calls/s (suite)"],
                [
                    [
                        f"`{run.time.command}`",
                        cell(run.time.seconds),
                        f"{run.api_calls:,}" if run.api_calls is not None else "not reported",
                        f"{per_second:,.1f}" if per_second is not None else "n/a",
                        f"{run.suite_seconds:.1f}" if run.suite_seconds is not None else "n/a",
                        f"{per_suite_second:,.1f}" if per_suite_second is not None else "n/a",
                    ]
                ],
            ),
            "",
        ]
    said = notes(results, "conformance") or ([] if run else ["> Not measured in this run."])
    return [*lines, *said, ""]


def _generate_section(results: Results) -> list[str]:
    lines = ["## 5. `make generate`", ""]
    run = results.generate
    if run is not None:
        lines += [
            "Command: `make generate GENERATED=<scratch folder>` (the same work as `make generate`, written to a "
            "temporary folder so the committed package is not touched): openapi-python-client with our "
            f"templates, then its ruff post-hooks; {run.seconds.samples} run(s), seconds, median (lowest-highest).",
            "",
            *table(["Command", "Wall s"], [["`make generate`", cell(run.seconds, 2)]]),
            "",
        ]
    said = notes(results, "generate") or ([] if run else ["> Not measured in this run."])
    return [*lines, *said, ""]


def _duration(results: Results) -> str:
    if not results.seconds:
        return "."
    parts = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in results.seconds.items())
    return f"; the run took {sum(results.seconds.values()) / 60:.1f} minutes ({parts})."


def markdown(results: Results, chart_link: str) -> str:
    machine = results.machine
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `make bench` on {machine.date} ({results.plan.mode} run). Machine: {machine.cores} cores "
        f"({machine.cpu}), {machine.system}, {machine.python}; load average at the start {machine.load_average}"
        + _duration(results),
        "",
        "The machine was shared with other work while this ran, so absolute figures are noisy: the "
        "ratios between rows, measured side by side in one run, are what count. Unless a section says "
        "otherwise, every figure is a median over repeats, with the lowest and highest repeat in brackets. "
        "All traffic stays on loopback.",
        "",
        f"![Throughput, per-call cost, lateness and durable writes]({chart_link})",
        "",
    ]
    if results.client_cost:
        lines += _client_section(results, results.client_cost)
    if results.import_time:
        lines += _import_section(results, results.import_time)
    if results.throughput:
        lines += _throughput_section(results, results.throughput)
    elif "throughput" in results.notes:
        lines += ["## 3. Server throughput and latency", "", *notes(results, "throughput"), ""]
    lines += _conformance_section(results)
    lines += _generate_section(results)
    if results.media is not None or "media" in results.notes:
        lines += report_streams.media_section(results)
    if results.writes is not None or "writes" in results.notes:
        lines += report_streams.writes_section(results)
    if FINDINGS.exists():
        lines += [FINDINGS.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(lines)


def chart_svg(results: Results) -> str:
    panels = []
    if results.throughput:
        concurrencies = results.plan.concurrencies
        by_key = {(row.target, row.concurrency): row.requests_per_second.median for row in results.throughput}
        names = list(dict.fromkeys(row.target for row in results.throughput))
        panels.append(
            chart.Panel(
                title="Stop requests per second, wrk, keep-alive (higher is better)",
                unit="req/s",
                series=[
                    chart.Series(f"{c} connection{'s' if c > 1 else ''}", color)
                    for c, color in zip(concurrencies, ("#9ecae1", "#08519c"), strict=False)
                ],
                groups=[
                    chart.Group(
                        name, [by_key.get((name, c)) for c in concurrencies], highlight=name.startswith("emulator")
                    )
                    for name in names
                ],
            )
        )
    if results.client_cost:
        panels.append(
            chart.Panel(
                title="Cost of one stop call in microseconds (lower is better)",
                unit="µs",
                series=[chart.Series("wall time", "#fdae6b"), chart.Series("client CPU", "#d94801")],
                groups=[
                    chart.Group(
                        cost.client,
                        [cost.wall_us.median, cost.cpu_us.median],
                        highlight=cost.client.startswith("twilio-stream-client"),
                    )
                    for cost in results.client_cost
                ],
            )
        )
    panels += report_streams.chart_panels(results)
    machine = results.machine
    caption = f"make bench, {machine.date}, {machine.cores} cores, {machine.python}; medians, shared machine"
    return chart.render(panels, caption)
