"""`python -m bench`: run the measurements in one process and write BENCHMARKS.md and the chart.

``--quick`` is a smoke check (under a minute): tiny counts, written under bench/results/quick/ so it
never replaces the published figures. The full run writes BENCHMARKS.md and bench/chart.svg.
"""

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import client_cost, command_time, durable_writes, import_time, media_streams, report, targets, throughput
from bench.fixture import ROOT
from bench.results import FULL, QUICK, ConformanceRun, Machine, Plan, Results

MEASUREMENTS = ("client", "import", "throughput", "conformance", "generate", "media", "writes")
RESULTS_DIR = ROOT / "bench" / "results"


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts: a smoke check, not figures to publish")
    parser.add_argument(
        "--only", action="append", choices=MEASUREMENTS, help="run only this measurement (repeatable); default all"
    )
    parser.add_argument("--markdown", type=Path, help="where to write the report (default: see above)")
    parser.add_argument("--chart", type=Path, help="where to write the SVG chart (default: see above)")
    parser.add_argument("--results-dir", type=Path, help="server logs and results.json (default: bench/results/)")
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@contextmanager
def _timed(results: Results, name: str) -> Iterator[None]:
    """How long a measurement took, start-ups included: the report sums them up."""
    started = time.monotonic()
    try:
        yield
    finally:
        results.seconds[name] = time.monotonic() - started


def measure(plan: Plan, only: set[str], work: Path, results: Results) -> None:
    """Fill ``results`` with the selected measurements; a measurement that cannot run leaves a note."""
    if "client" in only:
        with _timed(results, "client"):
            _progress("1/7 client cost per call")
            results.client_cost = client_cost.run(
                work, calls=plan.client_calls, repeats=plan.client_repeats, warmup=plan.client_warmup
            )
    if "import" in only:
        with _timed(results, "import"):
            _progress("2/7 import time")
            results.import_time = import_time.measure(plan.import_runs)
    if "throughput" in only:
        with _timed(results, "throughput"):
            _progress("3/7 server throughput (wrk)")
            throughput.wrk_executable()  # fail now, clearly, if wrk is missing
            results.wrk_command = " ".join(["wrk", *throughput.wrk_arguments("URL", "C", plan.wrk_seconds)])
            with ExitStack() as stack:
                started = targets.start(
                    stack, work, emulator=True, prism=True, note=lambda text: results.note("throughput", text)
                )
                results.throughput = throughput.measure(
                    started, plan.concurrencies, plan.wrk_seconds, plan.wrk_repeats, plan.wrk_warmup_seconds
                )
    if "conformance" in only:
        with _timed(results, "conformance"):
            _progress("4/7 make conformance")
            _measure_conformance(plan, results)
    if "generate" in only:
        with _timed(results, "generate"):
            _progress("5/7 make generate")
            with tempfile.TemporaryDirectory() as scratch:
                results.generate = command_time.time_generate(plan.command_runs, Path(scratch))
    if "media" in only:
        with _timed(results, "media"):
            _progress(f"6/7 concurrent real-time Streams ({', '.join(map(str, plan.media_counts))})")
            results.media = media_streams.measure(
                work,
                plan.media_counts,
                plan.media_window_s,
                plan.media_settle_s,
                plan.media_stop_sample,
                note=lambda text: results.note("media", text),
            )
    if "writes" in only:
        with _timed(results, "writes"):
            _progress("7/7 durable writes")
            results.writes = durable_writes.measure(
                work, plan.write_concurrencies, plan.write_seconds, plan.write_repeats
            )


def _measure_conformance(plan: Plan, results: Results) -> None:
    if not any(line.startswith("conformance:") for line in (ROOT / "Makefile").read_text().splitlines()):
        results.note("conformance", "Not measured: this tree's Makefile has no `conformance` target yet.")
        return
    # The default run, as a user types it; the quick mode caps the examples to stay under a minute.
    extra = ["MAX_EXAMPLES=3"] if plan.mode == QUICK.mode else []
    run = command_time.time_conformance(plan.command_runs if plan.mode == QUICK.mode else 1, extra)
    calls = command_time.api_calls_in(run.output)
    results.conformance = ConformanceRun(run, *(calls or (None, None)))
    if extra:
        results.note("conformance", f"Quick mode: `{' '.join(extra)}`, not the default run.")
    if results.conformance.api_calls is None:
        results.note("conformance", "`make conformance` printed no count of API calls, so no calls per second.")
    if run.exit_code != 0:
        results.note("conformance", f"`make conformance` exited with {run.exit_code}: the suite reported failures.")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    plan = QUICK if args.quick else FULL
    out = RESULTS_DIR / "quick" if args.quick else ROOT
    markdown_path = args.markdown or out / "BENCHMARKS.md"
    chart_path = args.chart or (out / "chart.svg" if args.quick else ROOT / "bench" / "chart.svg")
    work = args.results_dir or RESULTS_DIR / plan.mode
    work.mkdir(parents=True, exist_ok=True)
    command = "make bench QUICK=1" if args.quick else "make bench"
    results = Results(plan=plan, machine=Machine.current(), command=command)
    measure(plan, set(args.only or MEASUREMENTS), work, results)

    (work / "results.json").write_text(json.dumps(dataclasses.asdict(results), indent=2), encoding="utf-8")
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    chart_path.parent.mkdir(parents=True, exist_ok=True)
    chart_path.write_text(report.chart_svg(results), encoding="utf-8")
    chart_link = os.path.relpath(chart_path, markdown_path.parent)
    markdown_path.write_text(report.markdown(results, chart_link), encoding="utf-8")
    print(markdown_path.read_text(encoding="utf-8"))
    _progress(f"wrote {markdown_path}, {chart_path} and {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
