"""The generated client against a running emulator, driven by the contract's state machine.

Schemathesis walks the contract's links (CreateStream -> StopBySid / StopByName -> StopAgain) with data
it generates; every call goes through the generated client, and every answer is judged by the
built-in and the Twilio-specific checks, and must come back from the client as the documented model.
A fixed scenario adds the step the links cannot reach: stopping a Stream that does not exist.
"""

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import httpx
import pytest
import schemathesis
import twilio_stream_conformance.hooks  # the Twilio-specific checks judge every answer
import twilio_stream_contract as contract
from hypothesis import Phase, settings
from schemathesis import BaseSchema, GenerationMode, HookContext, Response
from schemathesis.specs.openapi.checks import ignored_auth
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, Stream, TwilioError, UpdateStreamBody
from twilio_stream_conformance import runner
from twilio_stream_conformance.checks import Case

from tests.client_contract import answer_of
from tests.emulator_server import ACCOUNT_SID, AUTH_TOKEN, RunningEmulator, emulator_server
from tests.generated_cases import form_of
from tests.property_budget import examples

# Drives a live emulator process through the contract's state machine.
pytestmark = pytest.mark.slow

CONFIG = runner.CONFIG


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    with emulator_server() as server:
        yield server


def call_with_client(client: TwilioClient, case: Case) -> tuple[httpx.Response, Stream | TwilioError | None]:
    """Send a generated case through the generated client: the raw answer and what the client made of it."""
    seen: list[httpx.Response] = []

    def keep(response: httpx.Response) -> None:
        seen.append(response)

    client.get_httpx_client().event_hooks["response"] = [keep]
    path = case.path_parameters or {}
    if case.operation.definition.raw["operationId"] == "CreateStream":
        detailed: Any = create_stream.sync_detailed(
            path["AccountSid"], path["CallSid"], client=client, body=CreateStreamBody.from_dict(form_of(case))
        )
    else:
        detailed = update_stream.sync_detailed(
            path["AccountSid"],
            path["CallSid"],
            path["Sid"],
            client=client,
            body=UpdateStreamBody.from_dict(form_of(case)),
        )
    response = seen[-1]
    response.read()
    return response, detailed.parsed


@pytest.fixture
def client(emulator: RunningEmulator) -> Iterator[TwilioClient]:
    with TwilioClient(ACCOUNT_SID, AUTH_TOKEN, base_url=emulator.base_url) as client:
        yield client


def contract_schema(monkeypatch: pytest.MonkeyPatch) -> BaseSchema:
    """openapi.yaml with `make conformance`'s configuration (the pinned AccountSid, the check options)."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    schema = schemathesis.openapi.from_path(contract.CONTRACT_PATH, config=schemathesis.Config.from_path(CONFIG))
    # The client's typed models cannot express an invalid request; servers meet those in `make conformance`.
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    return schema


def test_client_follows_the_contracts_links_against_the_emulator(
    client: TwilioClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    class ClientStateMachine(contract_schema(monkeypatch).as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            # As in `make conformance`: the path's AccountSid is the authenticated account (the state
            # machine does not apply the configuration's parameter override; another account would only
            # ever be a 404), and each create is on a call of its own, so that scenarios do not depend
            # on each other through the emulator's state (see conformance/hooks.py).
            case.path_parameters = {**(case.path_parameters or {}), "AccountSid": ACCOUNT_SID}
            twilio_stream_conformance.hooks.before_call(HookContext(), case, {})

        def call(self, case: Case, **kwargs: Any) -> Response:
            raw, parsed = call_with_client(client, case)
            expected_model = Stream if raw.status_code == 200 else TwilioError
            assert isinstance(parsed, expected_model), f"{raw.status_code}: {parsed!r}"
            return Response.from_httpx(raw, verify=True)

        def validate_response(self, response: Response, case: Case, *args: Any, **kwargs: Any) -> None:
            # The client always authenticates with its own credentials, so whatever Authorization the
            # case carried never reached the server: ignored_auth would judge the client's credentials
            # as "generated". Authentication is the server's business, judged by `make conformance`.
            case.validate_response(response, excluded_checks=[ignored_auth])

    # The emulator keeps its state between scenarios (a name stays taken while its stream runs), so a
    # replay may not draw what the first run drew: generate only, no shrinking replays, no database.
    ClientStateMachine.run(
        settings=settings(
            ClientStateMachine.TestCase.settings,
            max_examples=examples(25),
            stateful_step_count=6,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
    )


def test_client_scenario_create_stop_by_sid_by_name_again_unknown(client: TwilioClient) -> None:
    # A call of its own: the scenario finds no Stream another test left on the emulator.
    call_sid = contract.new_sid(contract.CALL_SID)
    body = CreateStreamBody.from_dict({"Url": "wss://example.com/media", "Name": "a/b c?"})
    stop = UpdateStreamBody.from_dict({"Status": contract.STOPPED})

    by_sid = create_stream.sync(
        ACCOUNT_SID, call_sid, client=client, body=CreateStreamBody.from_dict({"Url": "wss://example.com/media"})
    )
    named = create_stream.sync(ACCOUNT_SID, call_sid, client=client, body=body)
    assert isinstance(by_sid, Stream)
    assert isinstance(named, Stream)
    assert by_sid.sid is not None
    assert (by_sid.status, named.status, named.name) == (contract.IN_PROGRESS, contract.IN_PROGRESS, "a/b c?")

    stopped = update_stream.sync(ACCOUNT_SID, call_sid, by_sid.sid, client=client, body=stop)
    stopped_by_name = update_stream.sync(ACCOUNT_SID, call_sid, "a/b c?", client=client, body=stop)
    again = update_stream.sync(ACCOUNT_SID, call_sid, by_sid.sid, client=client, body=stop)
    unknown = update_stream.sync(ACCOUNT_SID, call_sid, contract.new_sid(contract.STREAM_SID), client=client, body=stop)

    assert isinstance(stopped, Stream)
    assert isinstance(stopped_by_name, Stream)
    assert isinstance(again, Stream)
    assert isinstance(unknown, TwilioError)
    assert (stopped.sid, stopped.status) == (by_sid.sid, contract.STOPPED)
    assert (stopped_by_name.sid, stopped_by_name.status) == (named.sid, contract.STOPPED)
    assert (again.sid, again.status) == (by_sid.sid, contract.STOPPED)
    not_found = next(iter(answer_of("UpdateStream", HTTPStatus.NOT_FOUND).examples.values()))
    assert (unknown.status, unknown.code) == (not_found["status"], not_found["code"])
