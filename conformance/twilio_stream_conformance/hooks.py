"""What schemathesis loads (`hooks` in schemathesis.toml): the checks, a format strategy, one hook."""

from typing import Any

import schemathesis
import twilio_stream_contract as contract
from schemathesis import HookContext
from schemathesis.generation.meta import TestPhase

from twilio_stream_conformance import checks  # importing registers the Twilio-specific checks
from twilio_stream_conformance.formats import RFC_2822_FORMAT, rfc2822_dates

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
    if checks.operation_id(case) != checks.CREATE_STREAM or call_sid is None:
        return
    if contract.CALL_SID.fullmatch(call_sid):
        case.path_parameters = {**(case.path_parameters or {}), "CallSid": contract.new_sid(contract.CALL_SID)}
