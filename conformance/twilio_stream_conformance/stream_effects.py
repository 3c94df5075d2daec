"""Judge what a server does *because of* a create and a stop: the Media Stream it dials and the status
callbacks it sends. Schemathesis cannot see those; this module runs the scenarios of
stream_scenarios.py against a target and judges each with stream_checks.py.

The app's side is the test kit of the emulator distribution: a `MediaReceiver` and a
`StatusCallbackRecorder` sharing one `LocalServer`, so that a remote target reaches both through one
tunnel to one local port (`/media/...` and `/callbacks/...`). A target on this machine reaches them on
loopback directly. A target elsewhere needs a public URL that forwards to that port (`--public-url`,
`CONFORMANCE_PUBLIC_URL`); without one the stream effects are **not judged**, and the run says so:
they are never counted as passed.

One run: create every scenario's Stream at once (each on a call of its own), find each connection by
its path, let media flow for `Bounds.window_s`, stop each (by SID or by name), wait for each `stop`
message and close, then for each callback; every wait has a deadline. Then the checks.

Twilio streams only on a call that is in progress, and the judge cannot place calls: given a live call
(`--call-sid`), every scenario runs on it instead, in batches that fit the call's track limit, each
batch stopped before the next begins.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import twilio_stream_contract as contract
from twilio_stream_contract import callbacks
from twilio_stream_contract import media as messages
from twilio_stream_emulator.server import free_port
from twilio_stream_emulator.testing import LocalServer, MediaReceiver, ReceivedStream, StatusCallbackRecorder

from twilio_stream_conformance.stream_checks import (
    LOOPBACK,
    REMOTE,
    Answer,
    Bounds,
    Connection,
    Observation,
    abridged,
    run_checks,
)
from twilio_stream_conformance.stream_scenarios import SCENARIOS, Scenario, curl_create, curl_stop
from twilio_stream_conformance.target import Target, is_loopback

PUBLIC_URL_ENV = "CONFORMANCE_PUBLIC_URL"
LOCAL_PORT_ENV = "CONFORMANCE_LOCAL_PORT"
# The local port a tunnel forwards to, unless told otherwise: fixed, so the tunnel can be started first.
DEFAULT_TUNNEL_PORT = 8765
# Each request of the judge: a live API answers in well under a second.
REQUEST_TIMEOUT_S = 15.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class EffectsOptions:
    """Whether to judge stream effects, and how a remote target reaches this machine: ``public_url``
    forwards (paths unchanged) to ``127.0.0.1:local_port`` (DEFAULT_TUNNEL_PORT when a public URL is
    given, any free port otherwise)."""

    enabled: bool = True
    public_url: str | None = None
    local_port: int | None = None
    # A call in progress on the target (Twilio streams on no other): every Stream is created on it.
    call_sid: str | None = None

    @classmethod
    def from_environment(
        cls,
        *,
        enabled: bool = True,
        public_url: str | None = None,
        local_port: int | None = None,
        call_sid: str | None = None,
    ) -> EffectsOptions:
        """Options given on the command line win over CONFORMANCE_PUBLIC_URL and CONFORMANCE_LOCAL_PORT."""
        public_url = public_url or os.environ.get(PUBLIC_URL_ENV) or None
        if local_port is None and os.environ.get(LOCAL_PORT_ENV):
            local_port = int(os.environ[LOCAL_PORT_ENV])
        return cls(enabled, public_url, local_port, call_sid)

    @property
    def port(self) -> int:
        if self.local_port is not None:
            return self.local_port
        return DEFAULT_TUNNEL_PORT if self.public_url else 0


@dataclass(frozen=True)
class ScenarioResult:
    """The judgement of one scenario: each check's failure (or None), and how to reproduce it."""

    scenario: str
    results: tuple[tuple[str, str | None], ...]
    reproduce: tuple[str, ...]
    received: tuple[str, ...]
    received_count: int

    @property
    def failures(self) -> list[tuple[str, str]]:
        return [(check, message) for check, message in self.results if message is not None]


@dataclass(frozen=True)
class EffectsVerdict:
    """What the stream effects part of a run concluded. ``judged`` False: nothing was judged, and
    ``reason`` says why (``disabled`` True when the user asked for that)."""

    judged: bool
    reason: str = ""
    disabled: bool = False
    scenarios: tuple[ScenarioResult, ...] = ()
    seconds: float = 0.0

    @property
    def failures(self) -> list[tuple[str, str, str]]:
        """(scenario, check, message) of every failed check."""
        return [(result.scenario, check, message) for result in self.scenarios for check, message in result.failures]

    @property
    def failed_checks(self) -> set[str]:
        return {check for _, check, _ in self.failures}

    @property
    def passed(self) -> Counter[str]:
        return Counter(check for result in self.scenarios for check, message in result.results if message is None)

    @property
    def conforms(self) -> bool:
        return self.judged and bool(self.scenarios) and not self.failures


def not_judged_reason(target_url: str, options: EffectsOptions) -> str | None:
    """Why stream effects cannot be judged for this target with these options; None when they can."""
    if not options.enabled:
        return "disabled (--no-stream-effects)"
    if options.public_url is None and not is_loopback(target_url):
        return (
            f"{target_url} is not on this machine, and no public URL forwards to one here: give one with "
            f"--public-url (or {PUBLIC_URL_ENV}), a tunnel to 127.0.0.1:{options.port or DEFAULT_TUNNEL_PORT}"
        )
    return None


@dataclass
class _Live:
    """One scenario while it runs."""

    scenario: Scenario
    call_sid: str
    url: str
    callback_url: str
    form: list[tuple[str, str]]
    create: Answer | None = None
    stop: Answer | None = None
    stream: ReceivedStream | None = None


def within_the_track_limit(scenarios: Sequence[Scenario]) -> list[list[Scenario]]:
    """The scenarios in order, in batches whose Streams together carry at most a call's track limit."""
    batches: list[list[Scenario]] = []
    tracks = contract.MAX_TRACKS_PER_CALL
    for scenario in scenarios:
        needed = len(scenario.expected_tracks)
        if not batches or tracks + needed > contract.MAX_TRACKS_PER_CALL:
            batches.append([])
            tracks = 0
        batches[-1].append(scenario)
        tracks += needed
    return batches


def _quiet(step: str) -> None:
    """No progress to show (not a terminal)."""


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


class _Judge:
    """One judgement of stream effects: the scenarios, the receiver, the recorder and the client."""

    def __init__(
        self,
        target: Target,
        receiver: MediaReceiver,
        recorder: StatusCallbackRecorder,
        client: httpx.Client,
        bounds: Bounds,
        progress: Progress,
        call_sid: str | None = None,
    ) -> None:
        self.target, self.receiver, self.recorder, self.client = target, receiver, recorder, client
        self.bounds, self.progress, self.call_sid = bounds, progress, call_sid
        # A loopback port nobody listens on, on this machine (or, for a remote target, on its own).
        self.unreachable = f"{'ws' if receiver.url.startswith('ws:') else 'wss'}://127.0.0.1:{free_port()}"

    def live(self, scenario: Scenario) -> _Live:
        url = (
            self.receiver.url_for(scenario.media_path)
            if scenario.reachable
            else f"{self.unreachable}{scenario.media_path}"
        )
        callback_url = self.recorder.url_for(scenario.callback_path)
        return _Live(scenario, self.call(), url, callback_url, scenario.create_form(url, callback_url))

    def call(self) -> str:
        """The call of a new Stream: the live call given, or a call of its own."""
        return self.call_sid or contract.new_sid(contract.CALL_SID)

    def run(self, scenarios: Sequence[Scenario]) -> list[Observation]:
        """Every scenario at once, each on a call of its own; on one live call, batch after batch."""
        if self.call_sid is None:
            return self.run_together(scenarios)
        return [observed for batch in within_the_track_limit(scenarios) for observed in self.run_together(batch)]

    def run_together(self, scenarios: Sequence[Scenario]) -> list[Observation]:
        """These scenarios at once, step by step; each wait ends at its deadline (a TimeoutError there
        only means that something did not arrive, which the checks then say)."""
        runs = [self.live(scenario) for scenario in scenarios]
        try:
            self.progress(f"creating {len(runs)} Streams")
            for run in runs:
                run.create = self.post(contract.streams_path(self.target.account_sid, run.call_sid), run.form)
            created = [run for run in runs if _sid(run.create) is not None]
            dialled = [run for run in created if run.scenario.reachable]
            self.progress("waiting for the WebSockets")
            for run in dialled:
                self.find_connection(run)
            self.progress(f"letting media flow ({self.bounds.window_s:g} s)")
            deadline = time.monotonic() + 2 * self.bounds.window_s + self.bounds.dial_s
            for run in dialled:
                self.let_media_flow(run, deadline)
            self.progress("stopping the Streams")
            for run in dialled:
                run.stop = self.stop(run)
            for run in dialled:
                self.wait_for_the_end(run)
            self.progress("waiting for the status callbacks")
            for run in created:
                self.wait_for_callbacks(run)
            return [self.observation(run) for run in runs]
        finally:
            self.end_what_is_left(runs)

    def end_what_is_left(self, runs: Sequence[_Live]) -> None:
        """Stop by SID every Stream made whose judged stop did not stop it (the unreachable one, a stop
        the server refused or applied to another Stream, a run cut short): on a live call the next batch
        and the track limit need its tracks and its name free. The answers are not judged."""
        for run in runs:
            sid = _sid(run.create)
            if sid is not None and _sid(run.stop) != sid:
                self.post_stop(run.call_sid, sid)

    def track_limit(self) -> ScenarioResult:
        """Fill a call with `both_tracks` Streams up to its track limit (four: two Streams), then ask for
        one Stream of one track more: a server that counts Streams rather than tracks accepts it. The
        Streams dial the receiver, so they stay in progress. Every Stream made is stopped again."""
        self.progress("filling a call to its track limit")
        call_sid = self.call()
        path = contract.streams_path(self.target.account_sid, call_sid)
        both, one = contract.track_of_width(2), contract.track_of_width(1)
        forms = [
            [("Url", self.receiver.url_for(f"/media/{TRACK_LIMIT}-{index}")), ("Track", track)]
            for index, track in enumerate(
                [both] * (contract.MAX_TRACKS_PER_CALL // len(contract.TRACKS_OF[both])) + [one]
            )
        ]
        answers: list[Answer] = []
        try:
            for form in forms:
                answers.append(self.post(path, form))
                if answers[-1].status != 200:
                    break
        finally:
            for answer in answers:
                sid = _sid(answer)
                if sid is not None:
                    self.post_stop(call_sid, sid)
        message = track_limit_failure([answer.status for answer in answers], len(forms) - 1)
        if message is not None and self.call_sid is not None:
            message += " (on the live call given: tracks that another of its Streams holds count too)"
        reproduce = tuple(curl_create(self.target.url, self.target.account_sid, call_sid, form) for form in forms)
        return ScenarioResult(TRACK_LIMIT, ((TRACK_LIMIT_CHECK, message),), reproduce, (), 0)

    def find_connection(self, run: _Live) -> None:
        """The connection at the scenario's path, within `dial_s` of the create's answer."""
        assert run.create is not None
        with suppress(TimeoutError):
            timeout = _remaining(run.create.at + self.bounds.dial_s)
            run.stream = self.receiver.stream(path=run.scenario.media_path, timeout=timeout)

    def let_media_flow(self, run: _Live, deadline: float) -> None:
        """Wait for a window's worth of media on every track (or the deadline)."""
        if run.stream is None:
            return
        per_track = round(self.bounds.window_s * 1000 / messages.CHUNK_MS)
        with suppress(TimeoutError):
            count = per_track * len(run.scenario.expected_tracks)
            run.stream.wait_for(messages.MEDIA, count=count, timeout=_remaining(deadline))

    def wait_for_the_end(self, run: _Live) -> None:
        """Wait for the close (after the `stop` message), within `stop_s` of the stop's answer."""
        if run.stream is None or run.stop is None or run.stop.status != 200:
            return
        with suppress(TimeoutError):
            run.stream.wait_closed(timeout=_remaining(run.stop.at + self.bounds.stop_s))

    def post(self, path: str, form: Sequence[tuple[str, str]]) -> Answer:
        sent_at = time.monotonic()
        try:
            response = self.client.post(self.target.url + path, content=urlencode(list(form)))
        except httpx.HTTPError as error:
            return Answer(None, None, sent_at, time.monotonic(), error=str(error) or type(error).__name__)
        try:
            body = response.json()
        except ValueError:
            body = response.text[:500]
        return Answer(response.status_code, body, sent_at, time.monotonic())

    def stop(self, run: _Live) -> Answer | None:
        sid = _sid(run.create)
        if sid is None:
            return None
        return self.post_stop(run.call_sid, run.scenario.stop_target(sid))

    def post_stop(self, call_sid: str, sid_or_name: str) -> Answer:
        """Stop a Stream of this call (``sid_or_name`` already percent-encoded)."""
        path = contract.stream_uri(self.target.account_sid, call_sid, sid_or_name)
        return self.post(path, list(contract.STOP_FORM.items()))

    def wait_for_callbacks(self, run: _Live) -> None:
        assert run.create is not None
        if run.scenario.reachable:
            after = run.stop.at if run.stop is not None else run.create.at
            waits = [(callbacks.STREAM_STARTED, after + self.bounds.callback_s)]
            if run.stop is not None and run.stop.status == 200:
                waits.append((callbacks.STREAM_STOPPED, after + self.bounds.callback_s))
        else:
            waits = [(callbacks.STREAM_ERROR, run.create.at + self.bounds.error_s)]
        for event, deadline in waits:
            with suppress(TimeoutError):
                self.recorder.wait_for(path=run.scenario.callback_path, event=event, timeout=_remaining(deadline))

    def observation(self, run: _Live) -> Observation:
        path = run.scenario.callback_path
        return Observation(
            scenario=run.scenario,
            account_sid=self.target.account_sid,
            call_sid=run.call_sid,
            url=run.url,
            callback_url=run.callback_url,
            create=run.create,
            stop=run.stop,
            connection=Connection.of(run.stream) if run.stream is not None else None,
            callbacks=tuple(callback for callback in self.recorder.callbacks() if callback.path == path),
            bounds=self.bounds,
            wall_clock_offset=time.time() - time.monotonic(),
            auth_token=self.target.auth_token,
        )


TRACK_LIMIT, TRACK_LIMIT_CHECK = "track-limit", "track_limit_is_enforced"


def track_limit_failure(statuses: Sequence[int | None], fill: int) -> str | None:
    """What is wrong with the answers to ``fill`` creates that fill a call's tracks and one more create
    (None: nothing). The fill must be accepted (200) and the one more refused (a 4xx)."""
    if len(statuses) <= fill or any(status != 200 for status in statuses[:fill]):
        return f"expected 200 for the {fill} both_tracks Streams that fill the call's tracks, got {list(statuses)}"
    last = statuses[fill]
    if last is None or not 400 <= last < 500:
        return (
            f"expected a 4xx for a Stream of one track on a call whose {contract.MAX_TRACKS_PER_CALL} tracks "
            f"are taken (each both_tracks Stream takes two), got {last}"
        )
    return None


def _sid(answer: Answer | None) -> str | None:
    body = answer.body if answer is not None and answer.status == 200 else None
    sid = body.get("sid") if isinstance(body, dict) else None
    return sid if isinstance(sid, str) and sid else None


def judged(observations: Sequence[Observation], target_url: str) -> tuple[ScenarioResult, ...]:
    """Run every check on every observation; with the curl lines and messages that reproduce a failure."""
    results = []
    for observed in observations:
        form = observed.scenario.create_form(observed.url, observed.callback_url)
        reproduce = [curl_create(target_url, observed.account_sid, observed.call_sid, form)]
        sid = observed.sid
        if sid is not None:
            target = observed.scenario.stop_target(sid)
            reproduce.append(curl_stop(target_url, observed.account_sid, observed.call_sid, target))
        received = observed.connection.messages if observed.connection is not None else ()
        results.append(
            ScenarioResult(
                scenario=observed.scenario.name,
                results=tuple(run_checks(observed)),
                reproduce=tuple(reproduce),
                received=tuple(abridged(received)),
                received_count=len(received),
            )
        )
    return tuple(results)


def judge_stream_effects(
    target: Target,
    options: EffectsOptions,
    *,
    scenarios: Sequence[Scenario] = SCENARIOS,
    bounds: Bounds | None = None,
    progress: Progress | None = None,
) -> EffectsVerdict:
    """Judge the stream effects of ``target`` (or say why they were not judged). The bounds are
    LOOPBACK for a target on this machine reached directly, REMOTE through a public URL, unless given."""
    reason = not_judged_reason(target.url, options)
    if reason is not None:
        return EffectsVerdict(judged=False, reason=reason, disabled=not options.enabled)
    if bounds is None:
        bounds = LOOPBACK if is_loopback(target.url) and options.public_url is None else REMOTE
    started = time.monotonic()
    with ExitStack() as stack:
        try:
            server = stack.enter_context(LocalServer(port=options.port, public_url=options.public_url))
        except OSError as error:
            return EffectsVerdict(judged=False, reason=f"could not listen on 127.0.0.1:{options.port}: {error}")
        receiver = stack.enter_context(MediaReceiver(server=server))
        recorder = stack.enter_context(StatusCallbackRecorder(server=server))
        client = stack.enter_context(
            httpx.Client(
                auth=(target.account_sid, target.auth_token),
                timeout=REQUEST_TIMEOUT_S,
                headers={"content-type": callbacks.FORM_CONTENT_TYPE},
            )
        )
        judge = _Judge(target, receiver, recorder, client, bounds, progress or _quiet, options.call_sid)
        observations = judge.run(scenarios)
        limit = judge.track_limit()
    results = (*judged(observations, target.url), limit)
    return EffectsVerdict(judged=True, scenarios=results, seconds=time.monotonic() - started)
