"""Conformance of a server, and of the generated client, to the Stream contract in openapi.yaml.

schemathesis.toml   the committed schemathesis configuration (phases, modes, checks, auth)
hooks.py            what schemathesis loads: the checks, the RFC 2822 format, a stateful-phase hook
checks.py           the Twilio-specific checks, one invariant each
wire.py             SIDs, basic credentials and JSON bodies, read alike by checks and defects
formats.py          a data strategy for the contract's `date-time-rfc-2822` format
runner.py           `make conformance` (python -m twilio_stream_conformance): start the emulator if no target,
                    probe it, run schemathesis, judge the stream effects, summarise, report
target.py           the server judged: its URL and credentials, and the probe of whether it answers
summary.py          the terminal summary and the Markdown report, read from schemathesis' NDJSON
progress.py         the live progress line of a run in a terminal (rich), nothing elsewhere
stream_effects.py   what a server does because of a create and a stop: the Media Stream, the callbacks
stream_scenarios.py the Streams the stream-effects judge creates, and their curl lines
stream_checks.py    the checks of a Stream's effects, one invariant each, and their bounds
stream_report.py    the stream effects in the terminal summary, conformance.md and junit.xml
defects.py          the emulator with exactly one deliberate defect each, for the self-test
selftest.py         `make conformance-selftest`: every defect fails, the emulator passes
"""
