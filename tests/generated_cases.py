"""What the client-conformance tests read off a case that schemathesis generated."""

from typing import Any

from conformance.checks import Case


def form_of(case: Case) -> dict[str, Any]:
    """The form body of a generated case (positive cases of this contract always have one)."""
    assert isinstance(case.body, dict)
    return case.body
