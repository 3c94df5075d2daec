"""What the conformance tests build and read off cases, the way schemathesis generates them."""

from typing import Any

from schemathesis import GenerationMode
from schemathesis.generation.meta import (
    CaseMetadata,
    ExamplesPhaseData,
    GenerationInfo,
    PhaseInfo,
    StatefulPhaseData,
    TestPhase,
)
from twilio_stream_conformance.checks import Case


def form_of(case: Case) -> dict[str, Any]:
    """The form body of a generated case (positive cases of this contract always have one)."""
    assert isinstance(case.body, dict)
    return case.body


def case_metadata(phase: TestPhase, mode: GenerationMode = GenerationMode.POSITIVE) -> CaseMetadata:
    """What schemathesis records about a case generated in `phase` with `mode` (checks and hooks read it)."""
    data = StatefulPhaseData if phase == TestPhase.STATEFUL else ExamplesPhaseData
    return CaseMetadata(
        generation=GenerationInfo(time=0.0, mode=mode),
        components={},
        phase=PhaseInfo(
            name=phase, data=data(description=None, parameter=None, parameter_location=None, location=None)
        ),
    )
