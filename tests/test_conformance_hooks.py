"""twilio_stream_conformance.hooks: each stateful create gets a call of its own; nothing else is touched."""

import pytest
import schemathesis
from schemathesis import HookContext
from schemathesis.generation.meta import (
    TestPhase,
)
from twilio_stream_conformance.checks import Case
from twilio_stream_conformance.hooks import before_call
from twilio_stream_contract import CALL_SID, CONTRACT_PATH

from tests.generated_cases import case_metadata

SCHEMA = schemathesis.openapi.from_path(CONTRACT_PATH)
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
CALL = "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
FORM = "application/x-www-form-urlencoded"


def case(operation_id: str, phase: TestPhase, call_sid: str = CALL) -> Case:
    path = {"AccountSid": ACCOUNT_SID, "CallSid": call_sid}
    if operation_id == "UpdateStream":
        path["Sid"] = "my-stream"
    operation = SCHEMA.find_operation_by_id(operation_id)
    generated: Case = operation.Case(path_parameters=path, media_type=FORM, _meta=case_metadata(phase))
    return generated


def call_sid_after_hook(generated: Case) -> str:
    before_call(HookContext(), generated, {})
    return str((generated.path_parameters or {})["CallSid"])


def test_a_stateful_create_gets_a_fresh_well_formed_call() -> None:
    first = call_sid_after_hook(case("CreateStream", TestPhase.STATEFUL))
    second = call_sid_after_hook(case("CreateStream", TestPhase.STATEFUL))

    assert CALL_SID.fullmatch(first)
    assert len({first, second, CALL}) == 3


@pytest.mark.parametrize(
    ("operation_id", "phase", "call_sid"),
    [
        ("CreateStream", TestPhase.EXAMPLES, CALL),  # other phases keep the generated call
        ("UpdateStream", TestPhase.STATEFUL, CALL),  # a stop follows its create's call through the link
        ("CreateStream", TestPhase.STATEFUL, "CA-not-a-call"),  # a malformed CallSid is a negative test
    ],
)
def test_the_hook_leaves_other_cases_alone(operation_id: str, phase: TestPhase, call_sid: str) -> None:
    assert call_sid_after_hook(case(operation_id, phase, call_sid)) == call_sid
