"""The audio a Stream sends (emulator/twilio_stream_emulator/media/audio.py).

Every expected value is computed from the input the test makes (the tone it writes, the samples it gives), or
is one of Twilio's documented facts (20 ms of 8 kHz mu-law per ``media`` message, 216 base64 characters).
"""

import base64
import dataclasses
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from twilio_stream_emulator.media import audio

from tests.property_budget import examples

# The length of one frame's base64 text, from the frame's byte count.
PAYLOAD_CHARS = len(base64.b64encode(bytes(audio.FRAME_BYTES)))
# Long enough to span more than one of the module's read blocks at 44.1 kHz, and not a whole number of frames.
SECONDS = 1.5123
SAMPLE_RATES = [8000, 11025, 16000, 22050, 44100, 48000]


def tone(frequency_hz: float, sample_rate: int, seconds: float, level: float) -> npt.NDArray[np.float64]:
    times = np.arange(round(sample_rate * seconds)) / sample_rate
    return level * np.sin(2.0 * np.pi * frequency_hz * times)


def rms(samples: npt.NDArray[np.int16]) -> float:
    return float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))


def heard(track: audio.TrackAudio) -> npt.NDArray[np.int16]:
    """One pass over the track, as a receiver decodes it from the payloads."""
    return audio.decode_payloads(track.frame(n) for n in range(track.frame_count))


def test_media_format_is_twilios() -> None:
    # Twilio's one-way Stream: 20 ms of 8 kHz mono mu-law per media message, 216 base64 characters.
    assert (audio.FRAME_MS, audio.SAMPLE_RATE, audio.FRAME_BYTES) == (20, 8000, 160)
    assert PAYLOAD_CHARS == 216


@pytest.mark.parametrize(
    ("sample_rate", "channels", "subtype", "frequency_hz"),
    [
        (44100, 2, "PCM_16", 523.0),
        (16000, 1, "PCM_16", 1500.0),
        (48000, 2, "FLOAT", 777.0),
        (22050, 1, "PCM_24", 2900.0),
        (96000, 1, "PCM_32", 350.0),
        (8000, 1, "DOUBLE", 1234.0),
    ],
)
def test_wav_round_trip_keeps_the_tone_its_level_and_its_duration(
    tmp_path: Path, sample_rate: int, channels: int, subtype: str, frequency_hz: float
) -> None:
    level = 0.5
    mono = tone(frequency_hz, sample_rate, SECONDS, level)
    path = tmp_path / "tone.wav"
    soundfile.write(path, np.repeat(mono[:, None], channels, axis=1), sample_rate, subtype=subtype)

    source = audio.MediaSource.from_wav(path)
    track = source.inbound

    wav_seconds = mono.size / sample_rate
    assert abs(len(track.mulaw) - wav_seconds * audio.SAMPLE_RATE) <= 1
    assert track.frame_count == math.ceil(len(track.mulaw) / audio.FRAME_BYTES)
    assert abs(track.duration_ms - wav_seconds * 1000) < audio.FRAME_MS
    for n in range(track.frame_count):
        payload = track.frame(n)
        assert len(payload) == PAYLOAD_CHARS
        assert payload.endswith("==")
        assert len(base64.b64decode(payload, validate=True)) == audio.FRAME_BYTES
    pcm = heard(track)
    assert abs(audio.dominant_frequency(pcm) - frequency_hz) < 2.0
    # Identical channels average to the same tone; int16 full scale is 32768.
    assert rms(pcm) == pytest.approx(level / math.sqrt(2) * 32768, rel=0.03)
    assert source.outbound == track


def test_stereo_is_the_mean_of_its_channels(tmp_path: Path) -> None:
    level = 0.6
    left = tone(700.0, 44100, SECONDS, level)
    path = tmp_path / "left-only.wav"
    soundfile.write(path, np.stack([left, np.zeros_like(left)], axis=1), 44100, subtype="PCM_16")

    pcm = heard(audio.TrackAudio.from_wav(path))

    # Left alone would be at `level`, right alone silent: the mean is half the left channel.
    assert rms(pcm) == pytest.approx(level / 2 / math.sqrt(2) * 32768, rel=0.03)
    assert abs(audio.dominant_frequency(pcm) - 700.0) < 2.0


def test_a_file_and_the_same_samples_in_memory_convert_alike(tmp_path: Path) -> None:
    # The file is read and resampled in blocks, the array in one piece: the blocks must not show.
    samples = (tone(440.0, 44100, SECONDS, 0.4) * 32767).astype(np.int16)
    stereo = np.stack([samples, samples // 3], axis=1)
    path = tmp_path / "pcm16.wav"
    soundfile.write(path, stereo, 44100, subtype="PCM_16")

    assert audio.TrackAudio.from_wav(path).mulaw == audio.TrackAudio.from_pcm(stereo, 44100).mulaw


def test_an_8khz_mulaw_wav_passes_through_byte_for_byte(tmp_path: Path) -> None:
    # Every mu-law code but 0x7F, the negative zero, which libsndfile writes as the positive one (0xFF).
    codes = bytes(code for code in range(256) if code != 0x7F) * 3
    path = tmp_path / "mulaw.wav"
    soundfile.write(path, audio.decode_mulaw(codes), audio.SAMPLE_RATE, subtype="ULAW")

    assert audio.TrackAudio.from_wav(path).mulaw == codes


def test_the_default_tracks_carry_the_documented_tones() -> None:
    source = audio.MediaSource.default()

    inbound = audio.dominant_frequency(heard(source.inbound))
    outbound = audio.dominant_frequency(heard(source.outbound))

    assert abs(inbound - audio.INBOUND_TONE_HZ) < 1.0
    assert abs(outbound - audio.OUTBOUND_TONE_HZ) < 1.0
    assert audio.INBOUND_TONE_HZ != audio.OUTBOUND_TONE_HZ
    assert source.track("inbound") is source.inbound
    assert source.track("outbound") is source.outbound


@pytest.mark.parametrize("track", ["inbound", "outbound"])
def test_one_default_frame_tells_the_tracks_apart(track: audio.Track) -> None:
    expected = audio.INBOUND_TONE_HZ if track == "inbound" else audio.OUTBOUND_TONE_HZ
    audio_track = audio.MediaSource.default().track(track)

    for n in range(audio_track.frame_count):
        assert abs(audio.dominant_frequency(audio.decode_payloads(audio_track.frame(n))) - expected) < 2.0


@pytest.mark.parametrize("frequency_hz", [audio.INBOUND_TONE_HZ, audio.OUTBOUND_TONE_HZ, 1000, 333])
def test_a_tone_loops_without_a_click(frequency_hz: int) -> None:
    track = audio.TrackAudio.tone(frequency_hz)
    loop_samples = track.frame_count * audio.FRAME_SAMPLES
    assert len(track.mulaw) == loop_samples  # a whole number of frames: no padding inside the loop
    assert (loop_samples * frequency_hz) % audio.SAMPLE_RATE == 0  # a whole number of periods

    # Two passes, decoded, must be one sine with a single phase: a jump at the seam would leave a residue.
    pcm = audio.decode_payloads(track.frame(n) for n in range(2 * track.frame_count)).astype(np.float64)
    phase = 2.0 * np.pi * frequency_hz * np.arange(pcm.size) / audio.SAMPLE_RATE
    basis = np.stack([np.sin(phase), np.cos(phase)], axis=1)
    coefficients, *_ = np.linalg.lstsq(basis, pcm, rcond=None)
    residue = pcm - basis @ coefficients
    assert float(np.hypot(*coefficients)) == pytest.approx(audio.TONE_LEVEL * 32768, rel=0.02)
    assert float(np.sqrt(np.mean(residue**2))) < 0.05 * float(np.sqrt(np.mean(pcm**2)))


def test_the_default_source_loops_over_its_frames() -> None:
    for track in (audio.MediaSource.default().inbound, audio.MediaSource.default().outbound):
        for n in range(3 * track.frame_count):
            assert track.frame(n) == track.frame(n + track.frame_count) == track.frames[n % track.frame_count]


def test_the_default_source_is_built_once() -> None:
    assert audio.MediaSource.default() is audio.MediaSource.default()


def test_the_last_partial_frame_is_padded_with_mulaw_silence() -> None:
    extra = 7
    samples = tone(440.0, audio.SAMPLE_RATE, (audio.FRAME_SAMPLES + extra) / audio.SAMPLE_RATE, 0.5)
    track = audio.TrackAudio.from_pcm(samples, audio.SAMPLE_RATE)

    assert len(track.mulaw) == audio.FRAME_BYTES + extra
    assert track.frame_count == 2
    last = base64.b64decode(track.frame(1))
    assert last[:extra] == track.mulaw[audio.FRAME_BYTES :]
    assert last[extra:] == bytes([audio.MULAW_SILENCE]) * (audio.FRAME_BYTES - extra)
    assert base64.b64decode(track.frame(0)) == track.mulaw[: audio.FRAME_BYTES]
    # The padding is the code libsndfile gives silence, and a decoder hears silence.
    assert bytes([audio.MULAW_SILENCE]) == audio.TrackAudio.from_pcm(np.zeros(1), audio.SAMPLE_RATE).mulaw
    assert not audio.decode_mulaw(last[extra:]).any()


def test_a_whole_number_of_frames_gets_no_padding_frame() -> None:
    samples = tone(440.0, audio.SAMPLE_RATE, 2 * audio.FRAME_SAMPLES / audio.SAMPLE_RATE, 0.5)
    track = audio.TrackAudio.from_pcm(samples, audio.SAMPLE_RATE)

    assert track.frame_count == 2
    assert b"".join(base64.b64decode(track.frame(n)) for n in range(2)) == track.mulaw


def test_audio_shorter_than_one_sample_at_8khz_is_one_silent_frame() -> None:
    # One sample at 48 kHz lasts under a sixth of an 8 kHz sample: nothing survives resampling but the frame.
    track = audio.TrackAudio.from_pcm(np.array([0.5]), 48000)

    assert track.frame_count == 1
    assert base64.b64decode(track.frame(0)) == track.mulaw + bytes([audio.MULAW_SILENCE]) * (
        audio.FRAME_BYTES - len(track.mulaw)
    )


def test_samples_beyond_full_scale_are_clipped_not_wrapped() -> None:
    # Unclipped, libsndfile writes wrong codes for these, and reads past its table for the last (a crash).
    beyond = audio.TrackAudio.from_pcm(np.array([1.2, -1.5, 2.0, 100.0]), audio.SAMPLE_RATE)
    full_scale = audio.TrackAudio.from_pcm(np.array([1.0, -1.0, 1.0, 1.0]), audio.SAMPLE_RATE)

    assert beyond.mulaw == full_scale.mulaw


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64])
def test_integer_samples_are_scaled_from_their_full_range(dtype: type[np.signedinteger[Any]]) -> None:
    default = audio.MediaSource.default().inbound
    pcm16 = audio.decode_payloads(default.frames)
    # The same sound in a wider integer type fills the same fraction of that type's range.
    shift = 8 * np.dtype(dtype).itemsize - 16
    pcm = pcm16.astype(dtype) << dtype(shift)

    assert audio.TrackAudio.from_pcm(pcm, audio.SAMPLE_RATE).mulaw == default.mulaw


def _write_zero_frames(path: Path) -> None:
    soundfile.write(path, np.zeros((0, 2)), 44100, subtype="PCM_16")


def _write_junk(path: Path) -> None:
    path.write_bytes(b"this is not audio, just some text in a file named .wav\n" * 20)


def _write_empty_file(path: Path) -> None:
    path.write_bytes(b"")


def _write_truncated_header(path: Path) -> None:
    soundfile.write(path, np.zeros(100), 8000, subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:30])


def _write_nan(path: Path) -> None:
    soundfile.write(path, np.array([0.0, np.nan, 0.5]), 8000, subtype="FLOAT")


def _make_directory(path: Path) -> None:
    path.mkdir()


def _leave_missing(path: Path) -> None:
    pass


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_leave_missing, "cannot be read: No such file or directory"),
        (_make_directory, "cannot be read: Is a directory"),
        (_write_junk, "is not audio that libsndfile can read"),
        (_write_empty_file, "is not audio that libsndfile can read"),
        (_write_truncated_header, "is not audio that libsndfile can read"),
        (_write_zero_frames, "has no audio"),
        (_write_nan, "contains NaN or infinite samples"),
    ],
)
def test_a_bad_file_is_one_error_naming_the_file(tmp_path: Path, make: Callable[[Path], None], reason: str) -> None:
    path = tmp_path / "caller.wav"
    make(path)

    with pytest.raises(audio.AudioSourceError, match=re.escape(str(path))) as raised:
        audio.MediaSource.from_wav(inbound=path)

    assert reason in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_an_empty_array_is_the_same_error() -> None:
    with pytest.raises(audio.AudioSourceError, match="no audio"):
        audio.TrackAudio.from_pcm(np.zeros(0), audio.SAMPLE_RATE)


@pytest.mark.parametrize(
    ("samples", "reason"),
    [
        (np.zeros((4, 0)), "expected 1-D or"),
        (np.zeros((4, 2, 1)), "expected 1-D or"),
        (np.full(4, 128, dtype=np.uint8), "expected signed integer or float"),
        (np.array([True, False]), "expected signed integer or float"),
        (np.array([0.0, np.inf]), "contains NaN or infinite"),
    ],
)
def test_arrays_that_are_not_sound_are_refused(samples: npt.NDArray[Any], reason: str) -> None:
    with pytest.raises(audio.AudioSourceError, match=f"test samples: {reason}"):
        audio.TrackAudio.from_pcm(samples, audio.SAMPLE_RATE, source="test samples")


def test_a_rate_that_is_not_positive_is_refused() -> None:
    with pytest.raises(audio.AudioSourceError, match="sample rate must be positive"):
        audio.TrackAudio.from_pcm(np.zeros(10), 0)


@pytest.mark.parametrize(("frequency_hz", "level"), [(0, 0.25), (4000, 0.25), (-5, 0.25), (440, 0.0), (440, 1.5)])
def test_an_impossible_tone_is_refused(frequency_hz: int, level: float) -> None:
    with pytest.raises(audio.AudioSourceError, match=f"tone of {frequency_hz} Hz"):
        audio.TrackAudio.tone(frequency_hz, level=level)


def _write_tone(path: Path, frequency_hz: float, sample_rate: int = 16000) -> Path:
    soundfile.write(path, tone(frequency_hz, sample_rate, 0.5, 0.5), sample_rate)
    return path


def test_one_file_per_track(tmp_path: Path) -> None:
    caller = _write_tone(tmp_path / "caller.wav", 600.0)
    agent = _write_tone(tmp_path / "agent.wav", 2300.0, sample_rate=44100)

    source = audio.MediaSource.from_wav(inbound=caller, outbound=agent)

    assert abs(audio.dominant_frequency(heard(source.inbound)) - 600.0) < 2.0
    assert abs(audio.dominant_frequency(heard(source.outbound)) - 2300.0) < 2.0
    assert (source.inbound.source, source.outbound.source) == (str(caller), str(agent))


def test_a_track_given_no_file_keeps_its_default_tone(tmp_path: Path) -> None:
    caller = _write_tone(tmp_path / "caller.wav", 600.0)

    inbound_only = audio.MediaSource.from_wav(inbound=caller)
    outbound_only = audio.MediaSource.from_wav(outbound=str(caller))

    assert inbound_only.outbound == audio.MediaSource.default().outbound
    assert outbound_only.inbound == audio.MediaSource.default().inbound
    assert inbound_only.inbound == outbound_only.outbound


def test_the_same_file_for_both_tracks_is_converted_once(tmp_path: Path) -> None:
    call = _write_tone(tmp_path / "call.wav", 600.0)

    one = audio.MediaSource.from_wav(call)
    both = audio.MediaSource.from_wav(inbound=call, outbound=call)

    assert one.inbound is one.outbound
    assert both.inbound is both.outbound
    assert one.inbound == both.inbound


def test_from_wav_wants_one_way_of_naming_files(tmp_path: Path) -> None:
    call = _write_tone(tmp_path / "call.wav", 600.0)

    with pytest.raises(TypeError, match="not both"):
        audio.MediaSource.from_wav(call, inbound=call)
    with pytest.raises(TypeError, match="give a file"):
        audio.MediaSource.from_wav()


def test_a_media_source_is_immutable() -> None:
    source = audio.MediaSource.default()

    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(source, "inbound", source.outbound)  # noqa: B010 - mypy refuses the plain assignment tested here
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(source.inbound, "mulaw", b"")  # noqa: B010 - as above


def test_decode_payloads_takes_one_text_or_many() -> None:
    frames = audio.MediaSource.default().outbound.frames
    raw = b"".join(base64.b64decode(frame) for frame in frames)

    assert np.array_equal(audio.decode_payloads(frames), audio.decode_mulaw(raw))
    assert np.array_equal(audio.decode_payloads(frames[0]), audio.decode_mulaw(raw[: audio.FRAME_BYTES]))
    assert audio.decode_payloads([]).size == 0
    assert audio.decode_mulaw(raw).dtype == np.int16


def test_decode_payloads_refuses_text_that_is_not_base64() -> None:
    frames = audio.MediaSource.default().outbound.frames

    with pytest.raises(ValueError, match="payload 1 is not base64"):
        audio.decode_payloads([frames[0], "not base64!"])


@pytest.mark.parametrize("frequency_hz", [300.0, 440.0, 777.7, 1004.0, 1234.5, 1804.0, 2345.6, 3399.3])
@pytest.mark.parametrize("seconds", [audio.FRAME_MS / 1000, 0.1, 1.0])
def test_dominant_frequency_finds_a_tone(frequency_hz: float, seconds: float) -> None:
    samples = tone(frequency_hz, audio.SAMPLE_RATE, seconds, 0.3)
    # An offset and a quieter second tone must not win.
    mixture = samples + 0.2 + tone(frequency_hz / 2 + 37, audio.SAMPLE_RATE, seconds, 0.1)

    assert abs(audio.dominant_frequency(samples) - frequency_hz) < 0.5
    assert abs(audio.dominant_frequency(mixture) - frequency_hz) < 2.0


@pytest.mark.parametrize("sample_rate", [16000, 44100])
def test_dominant_frequency_at_other_rates(sample_rate: int) -> None:
    assert abs(audio.dominant_frequency(tone(5432.1, sample_rate, 0.25, 0.3), sample_rate) - 5432.1) < 1.0


def test_dominant_frequency_of_silence_is_zero() -> None:
    assert audio.dominant_frequency(np.zeros(audio.FRAME_SAMPLES, dtype=np.int16)) == 0.0
    assert audio.dominant_frequency(np.full(audio.FRAME_SAMPLES, 123, dtype=np.int16)) == 0.0


@settings(max_examples=examples(200), deadline=None)
@given(
    samples=hnp.arrays(np.float32, st.integers(1, 4 * audio.FRAME_SAMPLES), elements=st.floats(-2.0, 2.0, width=32)),
    sample_rate=st.sampled_from(SAMPLE_RATES),
    n=st.integers(min_value=0, max_value=2**63),
)
def test_every_frame_is_one_payload_of_a_whole_frame(
    samples: npt.NDArray[np.float32], sample_rate: int, n: int
) -> None:
    track = audio.TrackAudio.from_pcm(samples, sample_rate)

    payload = track.frame(n)

    assert len(payload) == PAYLOAD_CHARS
    assert payload.endswith("==")
    assert len(base64.b64decode(payload, validate=True)) == audio.FRAME_BYTES
    assert payload == track.frame(n % track.frame_count)
    assert abs(len(track.mulaw) - samples.size * audio.SAMPLE_RATE / sample_rate) <= 1
    assert track.frame_count == max(1, math.ceil(len(track.mulaw) / audio.FRAME_BYTES))
