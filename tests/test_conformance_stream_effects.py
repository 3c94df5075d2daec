"""The stream-effects judge, end to end: a fake Twilio of our own (tests/fake_twilio.py) creates and
stops Streams, dials the judge's receiver and posts to its recorder. A correct fake passes; each flaw
fails the check that names it. And a target the judge cannot reach back is reported as not judged."""

import itertools
import socket
from dataclasses import replace

import pytest
import twilio_stream_contract as contract
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_conformance.stream_checks import CHECKS, LOOPBACK
from twilio_stream_conformance.stream_effects import (
    DEFAULT_TUNNEL_PORT,
    TRACK_LIMIT_CHECK,
    EffectsOptions,
    EffectsVerdict,
    judge_stream_effects,
    within_the_track_limit,
)
from twilio_stream_conformance.stream_scenarios import SCENARIOS, Scenario
from twilio_stream_conformance.target import Target

from tests.fake_twilio import FakeTwilio, Flaws

# Waits for what never comes end sooner than the real bounds would: these fakes answer in milliseconds.
QUICK = replace(LOOPBACK, dial_s=2.0, callback_s=2.0, error_s=2.0)
REMOTE_TARGET = Target("https://api.example.test", "AC" + "0" * 32, "token")


def judge(flaws: Flaws | None = None, options: EffectsOptions | None = None) -> EffectsVerdict:
    with FakeTwilio(flaws) as fake:
        return judge_stream_effects(fake.target, options or EffectsOptions(), bounds=QUICK)


@pytest.mark.slow
def test_a_correct_sender_conforms() -> None:
    verdict = judge()

    assert verdict.failures == []
    assert verdict.conforms
    *streams, limit = verdict.scenarios
    assert len(streams) == 5
    assert all(len(result.results) == 24 for result in streams)
    assert limit.results == ((TRACK_LIMIT_CHECK, None),)


@pytest.mark.slow
def test_on_one_live_call_every_stream_is_made_on_it_within_its_track_limit() -> None:
    """The fake keeps a call's track limit: the scenarios all at once on one call would go beyond it."""
    call_sid = contract.new_sid(contract.CALL_SID)

    verdict = judge(options=EffectsOptions(call_sid=call_sid))

    assert verdict.failures == []
    assert len(verdict.scenarios) == len(SCENARIOS) + 1  # and the track limit's
    creates = [line for result in verdict.scenarios for line in result.reproduce if "/Streams.json" in line]
    assert len(creates) == len(SCENARIOS) + 3  # the track limit's: two of both tracks, one more
    assert all(f"/Calls/{call_sid}/Streams.json" in line for line in creates)


@pytest.mark.slow
def test_on_one_live_call_a_stream_whose_stop_failed_is_ended_before_it_holds_back_the_next() -> None:
    """A stop by name that the server refuses leaves that Stream running: the judge ends it by SID, so
    the track limit is judged on a call that holds nothing else, and only the stop's checks fail."""
    verdict = judge(Flaws(no_stop_by_name=True), EffectsOptions(call_sid=contract.new_sid(contract.CALL_SID)))

    failed = {(scenario, check) for scenario, check, _ in verdict.failures}
    assert ("inbound_track-get-by-name", "stop_is_accepted") in failed
    assert {scenario for scenario, _ in failed} == {"inbound_track-get-by-name"}


@given(st.lists(st.sampled_from(sorted(contract.TRACKS_OF)), max_size=12))
def test_batches_keep_the_order_and_each_fills_the_track_limit_as_far_as_it_goes(tracks: list[str]) -> None:
    scenarios = [Scenario(f"s{index}", track=track) for index, track in enumerate(tracks)]

    batches = within_the_track_limit(scenarios)

    def width(batch: list[Scenario]) -> int:
        return sum(len(scenario.expected_tracks) for scenario in batch)

    assert [scenario for batch in batches for scenario in batch] == scenarios
    assert all(batch and width(batch) <= contract.MAX_TRACKS_PER_CALL for batch in batches)
    for batch, following in itertools.pairwise(batches):
        assert width(batch) + len(following[0].expected_tracks) > contract.MAX_TRACKS_PER_CALL


FLAWS = [
    (Flaws(unsigned_upgrade=True), "upgrade_is_signed"),
    (Flaws(wrong_upgrade_signature=True), "upgrade_is_signed"),
    (Flaws(binary_frame=True), "messages_are_json_text"),
    (Flaws(no_connected=True), "messages_arrive_in_order"),
    (Flaws(message_after_stop=True), "messages_arrive_in_order"),
    (Flaws(numbers_as_numbers=True), "messages_match_their_schemas"),
    (Flaws(no_custom_parameters=True), "start_echoes_the_create"),
    (Flaws(wrong_stream_sid_in_media=True), "stream_sid_is_the_same_throughout"),
    (Flaws(sequence_gap=True), "sequence_numbers_count_up"),
    (Flaws(both_tracks_always=True), "media_flows_on_the_expected_tracks"),
    (Flaws(chunk_shared_by_tracks=True), "chunks_count_per_track"),
    (Flaws(timestamp_step_ms=10), "timestamps_follow_the_audio"),
    (Flaws(payload_bytes=80), "payloads_are_20_ms_of_mulaw"),
    (Flaws(interval_ms=25), "media_rate_is_real_time"),
    (Flaws(burst=True), "media_arrives_on_schedule"),
    (Flaws(no_stop_message=True), "stop_follows_the_stop_request"),
    (Flaws(stop_delay_s=1.5), "stop_follows_the_stop_request"),
    (Flaws(close_code=1001), "closes_normally_after_stop"),
    (Flaws(no_started_callback=True), "stream_started_is_reported"),
    (Flaws(no_stopped_callback=True), "stream_stopped_is_reported"),
    (Flaws(no_error_callback=True), "unreachable_url_is_reported"),
    (Flaws(no_stream_error_text=True), "unreachable_url_is_reported"),
    (Flaws(callback_method="GET"), "callbacks_use_the_method_asked"),
    (Flaws(stream_name_empty=True), "callback_parameters_are_right"),
    (Flaws(timestamp=lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")), "callback_parameters_are_right"),
    (Flaws(unsigned_callbacks=True), "callbacks_are_signed"),
    (Flaws(no_track_limit=True), TRACK_LIMIT_CHECK),
]


@pytest.mark.slow
@pytest.mark.parametrize(("flaws", "check"), FLAWS, ids=[f"{check}-{index}" for index, (_, check) in enumerate(FLAWS)])
def test_a_flawed_sender_fails_the_check_that_names_its_flaw(flaws: Flaws, check: str) -> None:
    verdict = judge(flaws)

    assert check in verdict.failed_checks, verdict.failures
    assert not verdict.conforms


def test_every_check_is_proved_by_a_flawed_sender_or_a_unit_test() -> None:
    # The checks of the create and the stop need a server that refuses them; the unit tests make those.
    unproved = {"create_is_accepted", "stop_is_accepted", "stream_is_dialled"}
    assert {c.__name__ for c in CHECKS} - {check for _, check in FLAWS} == unproved


@pytest.mark.slow
def test_a_public_url_is_what_the_server_is_given_and_what_it_signs() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # A "tunnel" that is this machine itself: the URLs handed out are built on the public URL.
    options = EffectsOptions(public_url=f"http://localhost:{port}", local_port=port)

    verdict = judge(options=options)

    assert verdict.failures == []
    assert f"Url=ws://localhost:{port}/media/defaults" in verdict.scenarios[0].reproduce[0]


def test_a_remote_target_without_a_public_url_is_not_judged() -> None:
    verdict = judge_stream_effects(REMOTE_TARGET, EffectsOptions())

    assert not verdict.judged
    assert not verdict.conforms
    assert not verdict.disabled
    assert "https://api.example.test is not on this machine" in verdict.reason
    assert f"--public-url (or CONFORMANCE_PUBLIC_URL), a tunnel to 127.0.0.1:{DEFAULT_TUNNEL_PORT}" in verdict.reason


def test_disabled_stream_effects_are_not_judged_and_say_so() -> None:
    verdict = judge_stream_effects(REMOTE_TARGET, EffectsOptions(enabled=False))

    assert (verdict.judged, verdict.disabled, verdict.reason) == (False, True, "disabled (--no-stream-effects)")


def test_a_local_port_in_use_is_not_judged() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        verdict = judge_stream_effects(
            REMOTE_TARGET, EffectsOptions(public_url="https://abc.tunnel.example", local_port=port)
        )

    assert not verdict.judged
    assert verdict.reason.startswith(f"could not listen on 127.0.0.1:{port}")


def test_options_come_from_the_environment_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_PUBLIC_URL", "https://env.tunnel.example")
    monkeypatch.setenv("CONFORMANCE_LOCAL_PORT", "9123")

    assert EffectsOptions.from_environment() == EffectsOptions(True, "https://env.tunnel.example", 9123)
    assert EffectsOptions.from_environment(call_sid="CA" + "1" * 32).call_sid == "CA" + "1" * 32
    assert EffectsOptions.from_environment(public_url="https://cli.example", local_port=1).public_url == (
        "https://cli.example"
    )
    assert EffectsOptions(public_url="https://x.example").port == DEFAULT_TUNNEL_PORT
    assert EffectsOptions().port == 0
