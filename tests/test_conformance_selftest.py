"""The conformance suite can fail: a fast subset of `make conformance-selftest`.

The emulator conforms; each defective server (the emulator with one deliberate bug) fails, and among
its failures is the check that names its defect. One of each kind: a body field, authentication, a
stateful invariant, an error header, a server error, an unknown resource. The full set of defects
runs in `make conformance-selftest`; a fixed seed and a small budget keep this quick and repeatable.
"""

from pathlib import Path

import pytest

from conformance.defects import DEFECTS
from conformance.selftest import EMULATOR, Outcome, judge_all

SERVERS = [
    EMULATOR,
    "iso-8601-date",
    "wrong-password-accepted",
    "stop-by-name-wrong-stream",
    "no-www-authenticate",
    "server-error-on-invalid-body",
    "unknown-stream-found",
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    reports: Path = tmp_path_factory.mktemp("selftest")
    return {outcome.server: outcome for outcome in judge_all(SERVERS, reports, seed=42, max_examples=10)}


def test_the_emulator_conforms(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[EMULATOR]

    assert outcome.errors == ()
    assert outcome.failed_checks == frozenset()
    assert outcome.calls > 100


@pytest.mark.parametrize("defect", SERVERS[1:])
def test_a_defective_server_fails_the_check_naming_its_defect(outcomes: dict[str, Outcome], defect: str) -> None:
    outcome = outcomes[defect]

    assert outcome.errors == ()
    assert DEFECTS[defect].check in outcome.failed_checks


def test_there_are_at_least_twelve_defects_each_with_its_own_name_and_a_check() -> None:
    assert len(DEFECTS) >= 12
    assert all(name == defect.name and defect.check and defect.description for name, defect in DEFECTS.items())
