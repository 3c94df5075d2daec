"""2. Import time, each sample in a fresh interpreter: the cost a short script or a CLI pays on every run.

Timed inside the child interpreter around the imports only, so interpreter start-up, which every
variant pays alike, stays out of the figures. ``twilio.rest`` imports most of its modules lazily, on
first use, so its row includes that first use; ours gets the same treatment.
"""

import subprocess
import sys
from dataclasses import dataclass

from bench.stats import Summary, summarize

HTTPX = "import httpx"
OURS = "import twilio_stream_client"
OURS_FIRST_USE = "twilio_stream_client, first use"
TWILIO_FIRST_USE = "twilio.rest, first use"

# What each variant runs; a variant's time is the time of its snippet in a fresh interpreter.
SNIPPETS: dict[str, str] = {
    HTTPX: "import httpx",
    OURS: "import twilio_stream_client",
    OURS_FIRST_USE: (
        "from twilio_stream_client import TwilioClient\n"
        "from twilio_stream_client.api.stream import update_stream\n"
        "from twilio_stream_client.models import UpdateStreamBody\n"
        "TwilioClient('AC123', 'token'); UpdateStreamBody(status='stopped')"
    ),
    TWILIO_FIRST_USE: ("from twilio.rest import Client\nClient('AC123', 'token').calls('CA123').streams"),
}
# Our target is stated against httpx alone: ours may add at most this much to it.
BUDGET_OVER_HTTPX_MS = 20.0

_TIMER = "import time\n_start = time.perf_counter()\n{snippet}\nprint(time.perf_counter() - _start)\n"


@dataclass(frozen=True)
class ImportCost:
    variant: str
    snippet: str
    ms: Summary


def time_once(snippet: str) -> float:
    """Milliseconds that ``snippet`` takes in a fresh, isolated interpreter."""
    completed = subprocess.run(  # noqa: S603 - our own interpreter and snippets
        [sys.executable, "-I", "-c", _TIMER.format(snippet=snippet)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(completed.stdout.strip().splitlines()[-1]) * 1000


def measure(runs: int) -> list[ImportCost]:
    """Median and spread over ``runs`` fresh interpreters per variant, the variants interleaved."""
    samples: dict[str, list[float]] = {variant: [] for variant in SNIPPETS}
    for _ in range(runs):
        for variant, snippet in SNIPPETS.items():
            samples[variant].append(time_once(snippet))
    return [ImportCost(variant, SNIPPETS[variant], summarize(samples[variant])) for variant in SNIPPETS]
