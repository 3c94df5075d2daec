"""What schemathesis loads (`hooks` in schemathesis.toml): the checks, a format strategy, one hook."""

import secrets
from typing import Any

import schemathesis
from schemathesis import HookContext
from schemathesis.generation.meta import TestPhase

from twilio_stream_conformance import checks  # importing registers the Twilio-specific checks
from twilio_stream_conformance.formats import RFC_2822_FORMAT, rfc2822_dates
from twilio_stream_conformance.wire import CALL_SID

schemathesis.openapi.format(RFC_2822_FORMAT, rfc2822_dates)


@schemathesis.hook
def before_call(ctx: HookContext, case: checks.Case, kwargs: dict[str, Any]) -> None:
    """In the stateful phase, each stream is started on a call of its own.

    A server keeps state between scenarios: a name stays taken while its stream runs, and a call holds
    only so many streams. Hypothesis replays scenarios and needs each replay to draw what the first run
    drew; a create that succeeded once and is refused on replay (the call is full by now) ends the
    whole phase as "flaky" after a dozen scenarios. A fresh, well-formed CallSid for every create makes
    each scenario independent of the ones before; the links carry that CallSid to the stops.
    """
    if case.meta is None or case.meta.phase.name != TestPhase.STATEFUL:
        return
    call_sid = checks.path_parameter(case, "CallSid")
    if checks.operation_id(case) == checks.CREATE_STREAM and call_sid is not None and CALL_SID.match(call_sid):
        case.path_parameters = {**(case.path_parameters or {}), "CallSid": "CA" + secrets.token_hex(16)}
