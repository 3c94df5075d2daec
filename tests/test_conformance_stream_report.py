"""The stream effects in the reports: the terminal summary, conformance.md and junit.xml."""

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from twilio_stream_conformance.stream_effects import EffectsVerdict, ScenarioResult
from twilio_stream_conformance.stream_report import add_to_junit, headline, render_markdown, render_terminal

PASSED = ScenarioResult("defaults", (("stream_is_dialled", None), ("upgrade_is_signed", None)), ("curl a",), (), 0)
FAILED = ScenarioResult(
    "both_tracks-get-by-sid",
    (("stream_is_dialled", None), ("upgrade_is_signed", "expected X, got Y")),
    ("curl create", "curl stop"),
    ('{"event": "connected"}', "... 3 more ...", '{"event": "stop"}'),
    5,
)
JUDGED = EffectsVerdict(judged=True, scenarios=(PASSED, FAILED), seconds=1.25)
NOT_JUDGED = EffectsVerdict(judged=False, reason="https://x.example is not on this machine")


def test_the_headline_counts_streams_checks_and_failures() -> None:
    assert headline(JUDGED) == "STREAM EFFECTS DO NOT CONFORM: 2 Streams in 1.2 s, 2 checks run 4 times, 1 failures"
    assert headline(EffectsVerdict(judged=True, scenarios=(PASSED,))).startswith("STREAM EFFECTS CONFORM: 1 Streams")
    assert headline(NOT_JUDGED) == "STREAM EFFECTS NOT JUDGED: https://x.example is not on this machine"


def test_the_terminal_shows_each_failure_with_how_to_reproduce_it() -> None:
    assert render_terminal(JUDGED).splitlines()[1:] == [
        "  FAILED on both_tracks-get-by-sid:",
        "    upgrade_is_signed: expected X, got Y",
        "    reproduce:",
        "      curl create",
        "      curl stop",
        "    received 5 WebSocket message(s):",
        '      {"event": "connected"}',
        "      ... 3 more ...",
        '      {"event": "stop"}',
    ]


def test_the_markdown_tallies_the_checks_and_details_the_failures() -> None:
    markdown = render_markdown(JUDGED)

    assert "| `upgrade_is_signed` | 1 | 1 |" in markdown
    assert "| `stream_is_dialled` | 2 | 0 |" in markdown
    assert "### Failures of `both_tracks-get-by-sid`" in markdown
    assert "```sh\ncurl create\ncurl stop\n```" in markdown
    assert (
        render_markdown(NOT_JUDGED)
        == "## Stream effects\n\n**Not judged**: https://x.example is not on this machine.\n"
    )


def test_junit_gets_a_suite_of_its_own_beside_schemathesis(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites errors="0" failures="1" skipped="0" tests="3" time="7.0">'
        '<testsuite name="schemathesis" tests="3" failures="1"><testcase name="a"/></testsuite></testsuites>'
    )

    add_to_junit(junit, JUDGED)

    root = ElementTree.parse(junit).getroot()  # noqa: S314 (written by the test)
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("time")) == (
        "5",
        "2",
        "0",
        "8.250000",
    )
    suite = root.findall("testsuite")[1]
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("stream effects", "2", "1")
    failure = suite.find("testcase[@name='stream effects: both_tracks-get-by-sid']/failure")
    assert failure is not None
    assert failure.get("message") == "upgrade_is_signed"
    assert "curl create" in (failure.text or "")


def test_junit_says_when_nothing_was_judged_even_without_schemathesis(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"

    add_to_junit(junit, NOT_JUDGED)

    root = ElementTree.parse(junit).getroot()  # noqa: S314 (written by the test)
    assert (root.get("tests"), root.get("skipped")) == ("1", "1")
    skipped = root.find("testsuite/testcase/skipped")
    assert skipped is not None
    assert skipped.get("message") == "not judged: https://x.example is not on this machine"
