"""openapi.yaml is a valid OpenAPI 3.1 document and states what the issue tracker asked of it."""

from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import validate

CONTRACT = Path(__file__).resolve().parent.parent / "openapi.yaml"


def _contract() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    return document


def test_contract_is_valid_openapi_3_1() -> None:
    document = _contract()

    validate(document)

    assert document["openapi"] == "3.1.0"
