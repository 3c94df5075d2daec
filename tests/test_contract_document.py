"""twilio_stream_contract.document() and resolve(): the parsed openapi.yaml, a copy for each caller."""

import twilio_stream_contract as contract
import yaml


def test_document_is_openapi_yaml_as_parsed() -> None:
    assert contract.document() == yaml.safe_load(contract.CONTRACT_PATH.read_text(encoding="utf-8"))


def test_changing_a_document_changes_no_other_caller() -> None:
    mine = contract.document()

    mine["components"]["schemas"]["Stream"]["required"].clear()
    del mine["paths"]

    assert contract.document()["components"]["schemas"]["Stream"]["required"] != []
    assert "paths" in contract.document()


def test_resolve_follows_a_ref_to_the_node_it_names() -> None:
    components = contract.document()["components"]
    operation = contract.document()["paths"][contract.UPDATE_STREAM_PATH]["post"]

    assert contract.resolve(operation["responses"]["200"]) == components["responses"]["StreamStopped"]


def test_resolve_gives_a_copy() -> None:
    schema = contract.document()["components"]["schemas"]["Stream"]

    resolved = contract.resolve(schema)
    resolved["required"].clear()

    assert resolved is not schema
    assert contract.resolve(schema) == schema
    assert contract.resolve({"$ref": "#/components/schemas/Stream"}) == schema
