"""The servers that `throughput` puts under load, started side by side so one run compares them all.

The emulator is started first: each instance gets a fresh store and one new Stream, the Stream that
the load stops again and again. Its answer to that stop is recorded and replayed by the floors, so the
floors send exactly the emulator's bytes and the difference is the emulator's own work.
"""

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
from twilio_stream_emulator.server import free_port

from bench.fixture import ACCOUNT_SID, AUTH_TOKEN, basic_authorization, create_path, stop_path, stopped_stream_example
from bench.servers import ServerFailed, bare_server, emulator_server, floor_command, prism_server, running
from bench.throughput import Target, preflight

BARE_1 = "bare ASGI floor, 1 worker"
BARE_2 = "bare ASGI floor, 2 workers"
STARLETTE_1 = "Starlette route, 1 worker"
EMULATOR_1 = "emulator, 1 worker"
EMULATOR_2 = "emulator, 2 workers"
# The same emulator without its access log: what the one log line per request costs.
EMULATOR_1_QUIET = "emulator, 1 worker, --log-level warning"
PRISM = "Prism 5.16.0 (prism mock)"
ORDER = [BARE_1, BARE_2, STARLETTE_1, EMULATOR_1, EMULATOR_2, EMULATOR_1_QUIET, PRISM]
# Each server is compared with the floor of the same worker count.
FLOOR_OF = {STARLETTE_1: BARE_1, EMULATOR_1: BARE_1, EMULATOR_2: BARE_2, EMULATOR_1_QUIET: BARE_1, PRISM: BARE_1}
# The emulators as started: worker count and extra options.
EMULATORS: dict[str, tuple[int, tuple[str, ...]]] = {
    EMULATOR_1: (1, ()),
    EMULATOR_2: (2, ()),
    EMULATOR_1_QUIET: (1, ("--log-level", "warning")),
}
EMULATOR_CREDENTIALS = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}


def create_stream(base_url: str) -> str:
    """Start a Stream on the benchmark's call and return its SID."""
    response = httpx.post(
        base_url + create_path(),
        data={"Url": "wss://example.com/media", "Name": "bench"},
        headers={"Authorization": basic_authorization()},
        timeout=10,
    )
    if response.status_code != 200:
        raise ServerFailed(f"creating a Stream answered {response.status_code} {response.text[:200]!r}")
    return str(response.json()["sid"])


def start(
    stack: ExitStack,
    log_dir: Path,
    *,
    emulator: bool,
    prism: bool,
    note: Callable[[str], None],
) -> list[Target]:
    """Start every server on ``stack`` and return them as load targets, the floors first.

    A peer that cannot start (no emulator in this tree, no Node tools) is left out with a note rather
    than failing the whole run: the rows that remain still compare within one run.
    """
    targets: list[Target] = []
    floor_env: dict[str, str] = {}
    if emulator:
        for index, (name, (workers, extra_args)) in enumerate(EMULATORS.items()):
            try:
                db = log_dir / f"emulator-{index}.sqlite3"
                for stale in log_dir.glob(f"{db.name}*"):  # a fresh store each run
                    stale.unlink()
                server = stack.enter_context(
                    emulator_server(log_dir, db, workers, EMULATOR_CREDENTIALS, extra_args=extra_args)
                )
                target = Target(name, server.base_url + stop_path(create_stream(server.base_url)))
                answer = preflight(target)
            except ServerFailed as failure:
                note(f"{name} left out: {failure}")
                continue
            targets.append(target)
            if not floor_env:
                floor_env["BENCH_BARE_RESPONSE"] = str(answer.write(log_dir / "emulator-answer.json"))
    stream_path = stop_path(str(stopped_stream_example()["sid"]))
    for name, workers in ((BARE_1, 1), (BARE_2, 2)):
        server = stack.enter_context(bare_server(log_dir, workers, env=floor_env))
        targets.append(Target(name, server.base_url + stream_path))
    port = free_port()
    starlette = stack.enter_context(
        running("starlette-1w", floor_command("bench.starlette_app:app", port, 1), port, log_dir, env=floor_env)
    )
    targets.append(Target(STARLETTE_1, starlette.base_url + stream_path))
    if prism:
        try:
            server = stack.enter_context(prism_server(log_dir))
            targets.append(Target(PRISM, server.base_url + stream_path))
        except ServerFailed as failure:
            note(f"{PRISM} left out: {failure}")
    return sorted(targets, key=lambda target: ORDER.index(target.name))
