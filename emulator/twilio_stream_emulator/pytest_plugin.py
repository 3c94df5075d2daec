"""pytest fixtures for testing your own code against a real Media Stream, with no Twilio account.

Installed with the emulator and registered through pytest's ``pytest11`` entry point, so a project adds
nothing but the dependency:

- ``twilio_emulator``: the emulator, served from a thread of the test process on a free loopback port for
  the whole session (in-process: nothing to install, nothing left running, a start measured in
  milliseconds), with ``base_url``, ``account_sid``, ``auth_token``, ``client()`` (this project's
  ``TwilioClient``) and ``twilio_sdk()`` (Twilio's own ``Client``, when ``twilio`` is installed), and
  ``new_call_sid()``. Before each test the emulator forgets every Stream and call (and ends their Media
  Streams): a test never sees another test's Streams.
- ``media_receiver``: a local WebSocket server to give as a Stream's ``Url``; it records every Media
  Stream (``media_receiver.stream(sid)``, ``.wait_for("media", count=50)``, ``.wait_closed()``,
  ``.audio("inbound")``), and ``heard(...)`` decodes what it heard.
- ``status_callbacks``: a local HTTP endpoint to give as a Stream's ``StatusCallback``; it records every
  callback (``status_callbacks.wait_for(stream_sid=..., event="stream-stopped")``) and says whether its
  signature is valid (``callback.signature_is_valid(twilio_emulator.auth_token)``).
"""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import twilio_stream_contract as contract
from starlette.applications import Starlette
from twilio_stream_client import TwilioClient

from twilio_stream_emulator.accounts import Accounts
from twilio_stream_emulator.app import create_app, reset
from twilio_stream_emulator.media.audio import INBOUND, decode_mulaw
from twilio_stream_emulator.server import ThreadedServer, in_thread
from twilio_stream_emulator.settings import Settings
from twilio_stream_emulator.testing import MediaReceiver, ReceivedStream, StatusCallbackRecorder


@dataclass
class TwilioEmulator:
    """The emulator a test talks to, and the account it serves."""

    base_url: str
    account_sid: str
    auth_token: str = field(repr=False)
    _served: ThreadedServer = field(repr=False)
    _app: Starlette = field(repr=False)

    def client(self) -> TwilioClient:
        """This project's client, signed in to the emulator."""
        return TwilioClient(self.account_sid, self.auth_token, base_url=self.base_url)

    def twilio_sdk(self) -> Any:
        """Twilio's own SDK (``twilio.rest.Client``), pointed at the emulator; needs ``twilio`` installed."""
        try:
            from twilio.rest import Client  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - depends on what the user installed
            raise RuntimeError("twilio_sdk() needs Twilio's SDK: pip install twilio") from None
        sdk = Client(self.account_sid, self.auth_token)
        sdk.api.base_url = self.base_url  # the SDK's own way to talk to another host
        return sdk

    @staticmethod
    def new_call_sid() -> str:
        """A CallSid of a live call (every well-formed CallSid is one until it is hung up)."""
        return contract.new_sid(contract.CALL_SID)

    def reset(self) -> None:
        """Forget every Stream and call, ending their Media Streams (done before each test)."""
        self._served.run(reset(self._app))


def heard(stream: ReceivedStream, track: str = INBOUND) -> npt.NDArray[np.int16]:
    """The audio a Media Stream carried on ``track`` (default: inbound), decoded to 8 kHz 16-bit PCM."""
    return decode_mulaw(stream.audio(track))


@pytest.fixture(scope="session")
def _twilio_emulator_session() -> Iterator[TwilioEmulator]:
    account_sid, auth_token = contract.new_sid(contract.ACCOUNT_SID), secrets.token_hex(16)
    app = create_app(Settings(accounts=Accounts({account_sid: auth_token}), db=":memory:"))
    with in_thread(app) as served:
        yield TwilioEmulator(served.base_url, account_sid, auth_token, served, app)


@pytest.fixture
def twilio_emulator(_twilio_emulator_session: TwilioEmulator) -> TwilioEmulator:
    """The emulator, without any Stream or call a previous test left."""
    _twilio_emulator_session.reset()
    return _twilio_emulator_session


@pytest.fixture
def media_receiver() -> Iterator[MediaReceiver]:
    """A local WebSocket server to give as a Stream's ``Url``: it records every Media Stream."""
    with MediaReceiver() as receiver:
        yield receiver


@pytest.fixture
def status_callbacks() -> Iterator[StatusCallbackRecorder]:
    """A local endpoint to give as a Stream's ``StatusCallback``: it records every status callback."""
    with StatusCallbackRecorder() as recorder:
        yield recorder
