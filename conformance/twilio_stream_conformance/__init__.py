"""Conformance of a server, and of the generated client, to the Stream contract in openapi.yaml.

schemathesis.toml   the committed schemathesis configuration (phases, modes, checks, auth)
hooks.py            what schemathesis loads: the checks, the RFC 2822 format, a stateful-phase hook
checks.py           the Twilio-specific checks, one invariant each
wire.py             SIDs, basic credentials and JSON bodies, read alike by checks and defects
formats.py          a data strategy for the contract's `date-time-rfc-2822` format
runner.py           `make conformance` (python -m twilio_stream_conformance): start the emulator if no target,
                    run, summarise, report
summary.py          the terminal summary and the Markdown report, read from schemathesis' NDJSON
defects.py          the emulator with exactly one deliberate defect each, for the self-test
selftest.py         `make conformance-selftest`: every defect fails, the emulator passes
"""
