"""The pytest plugin: its fixtures give a test a running emulator, a media receiver and a callback endpoint
(emulator/pytest_plugin.py). This repository's own tests run with the plugin installed, as a user's do."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import twilio_stream_contract as contract
from twilio_stream_client.api.stream import create_stream
from twilio_stream_client.models import CreateStreamBody, Stream
from twilio_stream_contract import callbacks
from twilio_stream_contract import media as media_contract
from twilio_stream_emulator.media.audio import INBOUND_TONE_HZ, dominant_frequency
from twilio_stream_emulator.pytest_plugin import TwilioEmulator, heard
from twilio_stream_emulator.testing import MediaReceiver, StatusCallbackRecorder

WAIT_S = 10.0


def test_the_fixtures_stream_a_stream_and_record_its_signed_callbacks(
    twilio_emulator: TwilioEmulator, media_receiver: MediaReceiver, status_callbacks: StatusCallbackRecorder
) -> None:
    call_sid = twilio_emulator.new_call_sid()
    body = CreateStreamBody(url=media_receiver.url, status_callback=status_callbacks.url)
    with twilio_emulator.client() as client:
        created = create_stream.sync(twilio_emulator.account_sid, call_sid, client=client, body=body)
    assert isinstance(created, Stream)
    assert isinstance(created.sid, str)

    stream = media_receiver.stream(created.sid, timeout=WAIT_S)
    stream.wait_for(media_contract.MEDIA, count=50, timeout=WAIT_S)
    started = status_callbacks.wait_for(stream_sid=created.sid, event=callbacks.STREAM_STARTED, timeout=WAIT_S)

    assert abs(dominant_frequency(heard(stream)) - INBOUND_TONE_HZ) < 5
    assert started.signature_is_valid(twilio_emulator.auth_token)
    assert not started.signature_is_valid("another-token")


def test_reset_forgets_every_stream_and_ends_its_media(
    twilio_emulator: TwilioEmulator, media_receiver: MediaReceiver
) -> None:
    sdk = twilio_emulator.twilio_sdk()
    call_sid = twilio_emulator.new_call_sid()
    created = sdk.calls(call_sid).streams.create(url=media_receiver.url, name="kept")
    stream = media_receiver.stream(created.sid, timeout=WAIT_S)
    stream.wait_for(media_contract.MEDIA, timeout=WAIT_S)

    twilio_emulator.reset()

    assert stream.wait_closed(timeout=WAIT_S) == 1000
    gone = httpx.post(
        twilio_emulator.base_url + contract.stream_uri(twilio_emulator.account_sid, call_sid, created.sid),
        data=dict(contract.STOP_FORM),
        auth=(twilio_emulator.account_sid, twilio_emulator.auth_token),
    )
    assert gone.status_code == 404
    assert sdk.calls(call_sid).streams.create(url=media_receiver.url, name="kept").name == "kept"  # the name is free


PROJECT = """
import httpx

CALL_SID = "CA" + "7" * 32

def _create(twilio_emulator, name):
    path = f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Calls/{CALL_SID}/Streams.json"
    auth = (twilio_emulator.account_sid, twilio_emulator.auth_token)
    return httpx.post(twilio_emulator.base_url + path, data={"Url": "ws://127.0.0.1:1/", "Name": name}, auth=auth)

def test_first(twilio_emulator):
    assert _create(twilio_emulator, "same").status_code == 200

def test_second_sees_nothing_of_the_first(twilio_emulator):
    assert _create(twilio_emulator, "same").status_code == 200
"""


@pytest.mark.slow  # runs pytest twice
def test_a_test_never_sees_another_tests_streams(tmp_path: Path) -> None:
    """Two tests of a user's project, in either order, each create the same name on the same call."""
    (tmp_path / "test_project.py").write_text(PROJECT, encoding="utf-8")
    outcomes = []
    for order in ("test_first or test_second_sees_nothing_of_the_first", "test_second_sees_nothing_of_the_first"):
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                str(tmp_path),
                "-k",
                order,
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        outcomes.append((run.returncode, run.stdout[-300:]))

    assert [code for code, _ in outcomes] == [0, 0], outcomes
