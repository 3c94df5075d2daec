"""No API fact is typed twice: outside the contract module and the error catalogue, no hand-written code
holds a literal that is one of the contract's facts.

The facts come from the contract module itself (patterns, path templates, enum values, header names
and values) and from the error catalogue (error codes); the sources of the emulator, the suite and the
benchmarks are parsed, and every string or integer literal among them (docstrings aside) is compared.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
import twilio_stream_contract as contract
from twilio_stream_contract import callbacks, media
from twilio_stream_emulator import errors

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [ROOT / "contract", ROOT / "emulator", ROOT / "conformance", ROOT / "bench"]
# The places that may type a fact: the readers of the contracts, and the error catalogue.
OWNERS = {Path(module.__file__).resolve() for module in (contract, media, callbacks, errors) if module.__file__}

# Literals that hold one of these anywhere: a SID pattern, a path of the contract, a header value.
FRAGMENTS = {
    *(pattern.pattern for pattern in (contract.ACCOUNT_SID, contract.CALL_SID, contract.STREAM_SID)),
    f"/{contract.API_VERSION}/Accounts",
    "/Streams.json",
    *(value for _, value in contract.CORS_HEADERS if len(value) > len("true")),
    contract.WWW_AUTHENTICATE,
}
# Literals that are one of these, whole: the enum values of the contracts (field and message names are
# their structure, not facts to type once)...
VALUES = {
    *contract.STREAM_STATUSES,
    *contract.CREATE_BODY.enums["Track"],
    *contract.UPDATE_BODY.enums["Status"],
    *contract.CALL_UPDATE_BODY.enums["Status"],
    contract.API_VERSION,
    *media.TRACKS,
    media.PROTOCOL,
    str(media.MEDIA_FORMAT["encoding"]),
    *callbacks.STREAM_EVENTS,
}
# ... and, in any case, the names of the headers the contracts require.
HEADER_NAMES = {name.lower() for name in (*contract.RESPONSE_HEADER_NAMES, callbacks.SIGNATURE_HEADER)}
CODES = {value.code for value in vars(errors).values() if isinstance(value, errors.TwilioError)}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def typed_facts(path: Path, root: Path = ROOT) -> Iterator[str]:
    """Each literal of the file that is a contract fact, as `file:line: literal`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        value = node.value
        if isinstance(value, str):
            typed = value in VALUES or value.lower() in HEADER_NAMES or any(part in value for part in FRAGMENTS)
        else:
            typed = isinstance(value, int) and not isinstance(value, bool) and value in CODES
        if typed:
            yield f"{path.relative_to(root)}:{node.lineno}: {value!r}"


def sources() -> list[Path]:
    return sorted(
        path
        for folder in SCANNED
        for path in folder.rglob("*.py")
        if path.resolve() not in OWNERS and "node_modules" not in path.parts
    )


def test_no_hand_written_source_types_a_contract_fact() -> None:
    assert [fact for path in sources() for fact in typed_facts(path)] == []


@pytest.mark.parametrize(
    "line",
    [
        'PATH = "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Streams.json"',
        'if stream["status"] == "in-progress": pass',
        "answer = {'code': 20404}",
        'headers = {"Access-Control-Allow-Origin": "*"}',
        'SID = r"^MZ[0-9a-fA-F]{32}$"',
    ],
)
def test_the_scan_finds_a_fact_typed_in_code(tmp_path: Path, line: str) -> None:
    source = tmp_path / "module.py"
    source.write_text(f'"""A docstring may say in-progress."""\n{line}\n', encoding="utf-8")

    assert len(list(typed_facts(source, tmp_path))) == 1


def test_the_scan_leaves_docstrings_alone(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text('"""Stops a Stream: status becomes stopped, code 20404 if none."""\n', encoding="utf-8")

    assert list(typed_facts(source, tmp_path)) == []
