"""The verdict read from schemathesis' event log: calls, tallies, one reproducible failure per check."""

import base64
import json
from pathlib import Path
from typing import Any

from twilio_stream_conformance.summary import curl_line, read_events, render_markdown, render_terminal

LABEL = "POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Streams/{Sid}.json"
URI = "http://127.0.0.1:8080/2010-04-01/Accounts/AC1/Calls/CA1/Streams/a%20b.json"


def interaction(status: int) -> dict[str, Any]:
    return {
        "request": {
            "method": "POST",
            "uri": URI,
            "headers": {"Authorization": ["[Filtered]"], "Content-Type": ["application/x-www-form-urlencoded"]},
            "body": {"$base64": base64.b64encode(b"Status=stopped").decode()},
        },
        "response": {"status_code": status, "headers": {}, "content": {"$base64": ""}, "elapsed": 0.001},
    }


def scenario(phase: str, checks: dict[str, list[dict[str, Any]]], statuses: dict[str, int]) -> str:
    recorder = {
        "label": LABEL,
        "cases": {},
        "checks": checks,
        "interactions": {case_id: interaction(status) for case_id, status in statuses.items()},
    }
    return json.dumps({"ScenarioFinished": {"phase": phase, "recorder": recorder}})


def failed(name: str, message: str) -> dict[str, Any]:
    failure = {"title": "Custom check failed", "message": message, "operation": LABEL}
    return {"name": name, "status": "failure", "failure_info": {"failure": failure}}


def passed(name: str) -> dict[str, Any]:
    return {"name": name, "status": "success"}


def test_read_events_counts_calls_and_keeps_one_failure_per_check_and_operation(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text(
        "\n".join(
            [
                scenario("examples", {"a": [passed("not_a_server_error")]}, {"a": 200}),
                scenario(
                    "stateful",
                    {
                        "b": [passed("not_a_server_error"), failed("stop_answers_stopped", "expected stopped")],
                        "c": [failed("stop_answers_stopped", "expected stopped again")],
                    },
                    {"b": 200, "c": 200},
                ),
            ]
        )
    )

    summary = read_events(events)

    assert summary.calls == 3
    assert dict(summary.calls_by_phase) == {"examples": 1, "stateful": 2}
    assert summary.passed_by_check["not_a_server_error"] == 2
    assert summary.failed_by_check["stop_answers_stopped"] == 2
    assert summary.failed_checks == {"stop_answers_stopped"}
    failure = summary.failures[("stop_answers_stopped", LABEL)]
    assert failure.message == "Custom check failed: expected stopped"
    assert failure.curl == curl_line(interaction(200)["request"])
    assert not summary.conforms


def test_a_run_without_calls_does_not_conform(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("")

    assert not read_events(events).conforms


def test_a_missing_event_log_is_an_error(tmp_path: Path) -> None:
    summary = read_events(tmp_path / "absent.ndjson")

    assert summary.errors
    assert not summary.conforms


def test_renderings_name_the_check_the_operation_and_the_seed(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text(scenario("stateful", {"b": [failed("stop_answers_stopped", "expected stopped")]}, {"b": 200}))
    summary = read_events(events)

    terminal = render_terminal(summary, target="http://server", seed=42, seconds=1.5)
    markdown = render_markdown(summary, target="http://server", seed=42, seconds=1.5)

    assert terminal.startswith("DOES NOT CONFORM: http://server")
    assert f"FAILED stop_answers_stopped on {LABEL} (stateful phase)" in terminal
    assert "SEED=42" in terminal
    assert f"### `stop_answers_stopped` on `{LABEL}`" in markdown
    assert "| `stop_answers_stopped` | 0 | 1 |" in markdown


def test_curl_line_takes_credentials_from_the_environment_and_quotes_the_rest() -> None:
    request = {
        "method": "POST",
        "uri": "http://127.0.0.1:8080/2010-04-01/Accounts/AC1/Calls/CA1/Streams/a%20b.json",
        "headers": {"Authorization": ["[Filtered]"], "Content-Type": ["application/x-www-form-urlencoded"]},
        "body": {"$base64": "U3RhdHVzPXN0b3BwZWQ="},
    }

    line = curl_line(request)

    assert line == (
        'curl -X POST -u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" '
        "-H 'Content-Type: application/x-www-form-urlencoded' --data-raw Status=stopped "
        "http://127.0.0.1:8080/2010-04-01/Accounts/AC1/Calls/CA1/Streams/a%20b.json"
    )


def test_network_errors_are_grouped_whatever_the_url(tmp_path: Path) -> None:
    def refused(path: str) -> str:
        value = {"type": "ConnectionError", "message": f"Max retries exceeded with url: {path} (refused)"}
        return json.dumps({"NonFatalError": {"value": value, "label": LABEL}})

    events = tmp_path / "events.ndjson"
    events.write_text("\n".join([refused("/a.json"), refused("/b.json")]))

    summary = read_events(events)

    assert dict(summary.errors) == {f"ConnectionError on {LABEL}: Max retries exceeded with url: ... (refused)": 2}
    assert not summary.conforms
