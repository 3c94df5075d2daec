"""The generated functions are documented for the person who reads them in an editor or with help().

Each docstring's Google-style sections are read as a tool would read them: `Args` describes exactly the
arguments the function takes (the client aside) in the contract's words, and `Raises` names real
exceptions, among them every exception this client raises about an answer (each subclass of `ClientError`).
"""

import inspect
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import twilio_stream_contract as contract
from twilio_stream_client import errors
from twilio_stream_client.errors import ClientError

from tests.client_contract import CALLS, DOCUMENT, ENDPOINTS, FORM, OPERATIONS

FUNCTIONS = [pytest.param(getattr(ENDPOINTS[o][0], v), id=f"{o}-{v}") for o, v in CALLS]
ARGUMENTS = [pytest.param(o, getattr(ENDPOINTS[o][0], v), id=f"{o}-{v}") for o, v in CALLS]


def _contract_descriptions(operation_id: str, function: Callable[..., Any]) -> dict[str, str]:
    """Argument name -> the contract's description of it: of each path parameter's schema (what the generator
    documents a parameter from), and of the body's schema; whitespace as the docstring wraps it, normalised.
    The positional arguments are the path parameters, in the path's order."""
    path = OPERATIONS[operation_id].path
    parameters = {p["name"]: p["schema"] for p in map(contract.resolve, DOCUMENT["paths"][path].get("parameters", []))}
    signature = inspect.signature(function).parameters.values()
    positional = [p.name for p in signature if p.kind == p.POSITIONAL_OR_KEYWORD]
    in_path = [parameters[name] for name in re.findall(r"\{(\w+)\}", path)]
    body = contract.resolve(DOCUMENT["paths"][path]["post"]["requestBody"]["content"][FORM]["schema"])
    schemas = dict(zip(positional, in_path, strict=True)) | {"body": body}
    return {name: " ".join(schema["description"].split()) for name, schema in schemas.items()}


def _section(function: Callable[..., Any], title: str) -> dict[str, str]:
    """The entries of a Google-style section of the function's docstring: name -> description."""
    doc = inspect.getdoc(function) or ""
    assert f"\n{title}:\n" in doc, f"no {title} section"
    body = doc.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0]
    entries: dict[str, str] = {}
    name = ""
    for line in body.splitlines():
        if line.startswith(" " * 8):  # a description continued
            entries[name] += " " + line.strip()
        else:
            name, _, description = line.strip().partition(": ")
            entries[name] = description
    return entries


def _exception(name: str) -> type[BaseException]:
    module, _, attribute = name.partition(".")
    found = getattr({"errors": errors, "httpx": httpx}[module], attribute)
    assert isinstance(found, type)
    assert issubclass(found, BaseException), name
    return found


@pytest.mark.parametrize(("operation_id", "function"), ARGUMENTS)
def test_args_describe_exactly_the_arguments_in_the_contracts_words(
    operation_id: str, function: Callable[..., Any]
) -> None:
    described = {entry.split(" (", 1)[0]: text for entry, text in _section(function, "Args").items()}

    assert set(described) == set(inspect.signature(function).parameters) - {"client"}
    assert described == _contract_descriptions(operation_id, function)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_raises_names_every_exception_of_this_client(function: Callable[..., Any]) -> None:
    raises = _section(function, "Raises")
    named = {_exception(name) for name in raises}

    assert all(raises.values()), "an exception without a description"
    assert {exception for exception in named if issubclass(exception, ClientError)} == set(ClientError.__subclasses__())
    assert httpx.TimeoutException in named
