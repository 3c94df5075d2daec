"""The audio a Stream sends, one track each for ``inbound`` and ``outbound``, decided once at start-up.

Twilio sends a one-way Stream's audio as ``media`` messages, one per track every 20 ms, each carrying 160 bytes
of 8 kHz mono mu-law (G.711 u-law) in base64: 216 characters ending ``==`` (see the WebSocket messages section of
the project's Twilio facts). The media loop sends tens of thousands of such frames a second across Streams, so
everything costly happens here, once, before the first Stream starts: a source is converted to mu-law, cut into
frames, and each frame's base64 text is computed up front; :meth:`TrackAudio.frame` is then a tuple index.

Sources:

- a file the user picks (:meth:`MediaSource.from_wav`): one file for both tracks, or one per track (a caller and
  an agent). Any sample rate, mono or stereo, PCM 16/24/32-bit or float, in any container libsndfile reads.
  It is converted by maintained libraries, not by code of ours: ``soundfile`` (libsndfile) reads it, the
  channels are averaged to mono, ``soxr`` resamples it to 8000 Hz, and libsndfile encodes the mu-law
  (raw ``ULAW``). An 8 kHz mu-law WAV passes through byte for byte (only mu-law's "negative zero", 0x7F,
  becomes the usual zero, 0xFF);
- when no file is given (:meth:`MediaSource.default`), a sine tone per track, so that a test can tell the tracks
  apart with :func:`dominant_frequency` (:data:`INBOUND_TONE_HZ`, :data:`OUTBOUND_TONE_HZ`).

A call's audio goes on until the Stream stops, so every track loops: frame ``n`` is frame ``n % frame_count``.
The last frame of a source that is not a whole number of frames long is padded with mu-law silence (0xFF).

This module imports nothing of the project's: the emulator's package is being moved around it.
"""

import base64
import binascii
import functools
import io
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Self, TypeAlias

import numpy as np
import numpy.typing as npt
import soundfile
import soxr
from twilio_stream_contract import media as media_contract

__all__ = [
    "FRAME_BYTES",
    "FRAME_MS",
    "FRAME_SAMPLES",
    "INBOUND_TONE_HZ",
    "MULAW_SILENCE",
    "OUTBOUND_TONE_HZ",
    "SAMPLE_RATE",
    "TONE_LEVEL",
    "AudioSourceError",
    "MediaSource",
    "Track",
    "TrackAudio",
    "decode_mulaw",
    "decode_payloads",
    "dominant_frequency",
]

FRAME_MS = 20
SAMPLE_RATE = 8000
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
# mu-law stores one byte per sample, so a frame's payload is as many bytes as it has samples: 160.
FRAME_BYTES = FRAME_SAMPLES
# libsndfile encodes 0.0 as 0xFF (mu-law's positive zero); padding with it is silence to any G.711 decoder.
MULAW_SILENCE = 0xFF

# The default tones. Both lie in the 300-3400 Hz band a G.711 telephone channel carries, so they survive any
# telephone-band filter a user's pipeline applies. Neither divides 8000 Hz (1004 Hz is the telephone test tone
# for that reason: a 1000 Hz sine hits the same 8 sample phases over and over, so mu-law's quantisation error
# becomes a fixed set of harmonics instead of noise spread thinly over the band). Neither is a signalling tone
# (DTMF rows 697-941 Hz and columns 1209-1633 Hz, fax 1100 and 2100 Hz, 2600 Hz supervision), so no detector in
# the user's server fires. They are 800 Hz apart, 16 times the 50 Hz resolution of one 20 ms frame's spectrum,
# and 1804/1004 is far from a whole ratio, so one frame tells them apart and a harmonic of one is never taken
# for the other.
INBOUND_TONE_HZ = 1004
OUTBOUND_TONE_HZ = 1804
# Peak amplitude as a fraction of full scale (-12 dBFS): mu-law's noise stays about 38 dB below the tone,
# and the tone leaves headroom and does not blast whoever listens to it.
TONE_LEVEL = 0.25

# A track as the messages name it; the contract's media document names the two (inbound, outbound).
Track: TypeAlias = str
INBOUND, OUTBOUND = media_contract.TRACKS
StrPath: TypeAlias = str | os.PathLike[str]
Pcm: TypeAlias = npt.NDArray[np.float32]

# Frames read from a file per step: a long recording is converted in blocks rather than held whole as floats.
_READ_BLOCK_FRAMES = 1 << 16


class AudioSourceError(ValueError):
    """A source that cannot become a track: a missing or unreadable file, no audio, or an invalid tone.

    The one error this module raises for a bad source, whatever libsndfile or the OS said, with the file named.
    """


def _cut_frames(mulaw: bytes) -> tuple[str, ...]:
    """Each frame's base64 text, once; the last frame padded with silence, and at least one frame."""
    frame_count = max(1, math.ceil(len(mulaw) / FRAME_BYTES))
    padded = mulaw + bytes([MULAW_SILENCE]) * (frame_count * FRAME_BYTES - len(mulaw))
    view = memoryview(padded)
    return tuple(
        base64.b64encode(view[start : start + FRAME_BYTES]).decode("ascii")
        for start in range(0, len(padded), FRAME_BYTES)
    )


def _encode(mono: Pcm) -> bytes:
    """8 kHz float samples to mu-law bytes, by libsndfile."""
    if mono.size == 0:
        return b""
    # libsndfile's mu-law encoder indexes a table with the scaled sample and does not clip (its clipping option
    # covers PCM only): beyond full scale it writes wrong codes (1.2 comes out as a quiet sample), and far beyond
    # it reads past the table and crashes the process. Float sources and the resampler's overshoot both exceed
    # 1.0, so clip here.
    clipped = np.clip(mono, -1.0, 1.0)
    buffer = io.BytesIO()
    soundfile.write(buffer, clipped, SAMPLE_RATE, format="RAW", subtype="ULAW")
    return buffer.getvalue()


def _convert(blocks: Iterable[Pcm], sample_rate: int, source: str) -> bytes:
    """Mono blocks at ``sample_rate`` to 8 kHz mu-law, resampled by soxr as a stream of blocks."""
    if sample_rate <= 0:
        raise AudioSourceError(f"{source}: the sample rate must be positive, not {sample_rate}")
    # A stream gives the same samples as one soxr.resample call over the whole source, with only a block in memory.
    # At 8 kHz there is nothing to resample.
    stream = None if sample_rate == SAMPLE_RATE else soxr.ResampleStream(sample_rate, SAMPLE_RATE, 1, dtype="float32")
    pieces: list[Pcm] = []
    received = 0
    for block in blocks:
        if not np.isfinite(block).all():
            # Clipping keeps NaN, and libsndfile 1.2's mu-law encoder crashes the process on NaN or infinity
            # (seen here: a segmentation fault); soxr would smear one bad sample over its neighbours anyway.
            raise AudioSourceError(f"{source}: contains NaN or infinite samples")
        received += block.size
        pieces.append(block if stream is None else stream.resample_chunk(block))
    if received == 0:
        raise AudioSourceError(f"{source}: has no audio (zero frames)")
    if stream is not None:
        pieces.append(stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True))
    return _encode(np.concatenate(pieces))


def _file_blocks(sound: soundfile.SoundFile) -> Iterator[Pcm]:
    """The file's blocks as mono float32: the mean over channels (a single channel is kept exactly)."""
    for block in sound.blocks(blocksize=_READ_BLOCK_FRAMES, dtype="float32", always_2d=True):
        yield block.mean(axis=1, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class TrackAudio:
    """One track's audio: the source converted to 8 kHz mu-law, and its frames' base64 texts, computed once.

    ``mulaw`` is the converted audio as it is (any length); ``frames`` cut it into :data:`FRAME_BYTES`-byte
    frames, the last one padded with :data:`MULAW_SILENCE`. A track always has at least one frame.
    """

    source: str
    mulaw: bytes = field(repr=False)
    frames: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "frames", _cut_frames(self.mulaw))

    def frame(self, n: int) -> str:
        """The base64 payload of the track's frame ``n`` (from 0), looping over the source forever.

        A tuple index and nothing else, for the media loop. A negative ``n`` gets the same periodic answer.
        """
        return self.frames[n % len(self.frames)]

    @property
    def frame_count(self) -> int:
        """How many frames one pass over the source takes: the track repeats every ``frame_count`` frames."""
        return len(self.frames)

    @property
    def duration_ms(self) -> int:
        """How long one pass over the source plays, padding included."""
        return len(self.frames) * FRAME_MS

    @classmethod
    def from_pcm(cls, samples: npt.ArrayLike, sample_rate: int, *, source: str = "PCM samples") -> Self:
        """Samples at any rate: 1-D mono or 2-D ``(frames, channels)``.

        Floats are full scale at 1.0 and clipped beyond it; signed integers are scaled from their type's range,
        as libsndfile reads integer PCM (an int16 array from :func:`decode_mulaw` comes back as it was).
        """
        array = np.asarray(samples)
        if array.ndim not in (1, 2) or (array.ndim == 2 and array.shape[1] == 0):
            raise AudioSourceError(f"{source}: expected 1-D or (frames, channels) samples, got shape {array.shape}")
        # Unsigned PCM is offset (silence at half range), so it cannot be scaled like signed; refuse it.
        if np.issubdtype(array.dtype, np.signedinteger):
            scaled = array / (float(np.iinfo(array.dtype).max) + 1.0)
        elif np.issubdtype(array.dtype, np.floating):
            scaled = array
        else:
            raise AudioSourceError(f"{source}: expected signed integer or float samples, got {array.dtype}")
        mono = (scaled.mean(axis=1) if scaled.ndim == 2 else scaled).astype(np.float32)
        return cls(source, _convert([mono], sample_rate, source))

    @classmethod
    def from_wav(cls, path: StrPath) -> Self:
        """A WAV file (or any file libsndfile reads), converted; the track's ``source`` is the path."""
        name = os.fspath(path)
        try:
            # Python opens the file, so a missing or unreadable one is an OSError that names its cause plainly;
            # libsndfile's own message for it would be "System error".
            with open(name, "rb") as file, soundfile.SoundFile(file) as sound:
                mulaw = _convert(_file_blocks(sound), sound.samplerate, f"audio file {name!r}")
        except OSError as error:
            raise AudioSourceError(f"audio file {name!r} cannot be read: {error.strerror or error}") from error
        except soundfile.SoundFileError as error:
            reason = getattr(error, "error_string", None) or str(error)
            raise AudioSourceError(f"audio file {name!r} is not audio that libsndfile can read: {reason}") from error
        return cls(name, mulaw)

    @classmethod
    def tone(cls, frequency_hz: int, *, level: float = TONE_LEVEL) -> Self:
        """A sine tone that loops without a click: the shortest whole number of frames holding whole periods.

        With an integer frequency ``f``, the samples repeat every ``8000 / gcd(f, 8000)`` samples; the loop is
        the least common multiple of that and a frame (500 ms, 25 frames, for both default tones).
        """
        if not 0 < frequency_hz < SAMPLE_RATE // 2:
            raise AudioSourceError(f"tone of {frequency_hz} Hz: must be above 0 and below {SAMPLE_RATE // 2} Hz")
        if not 0.0 < level <= 1.0:
            raise AudioSourceError(f"tone of {frequency_hz} Hz: level {level} must be above 0 and at most 1")
        loop_samples = math.lcm(FRAME_SAMPLES, SAMPLE_RATE // math.gcd(frequency_hz, SAMPLE_RATE))
        # The phase in whole cycles is taken modulo one in integers, so no float error grows along the loop and
        # its last sample leads into its first exactly as into the next.
        cycles = (frequency_hz * np.arange(loop_samples, dtype=np.int64)) % SAMPLE_RATE / SAMPLE_RATE
        samples = (level * np.sin(2.0 * np.pi * cycles)).astype(np.float32)
        return cls(f"{frequency_hz} Hz tone", _encode(samples))


@functools.cache
def _default_source() -> "MediaSource":
    return MediaSource(TrackAudio.tone(INBOUND_TONE_HZ), TrackAudio.tone(OUTBOUND_TONE_HZ))


@dataclass(frozen=True, slots=True)
class MediaSource:
    """What every Stream sends, built once at start-up: one :class:`TrackAudio` per track."""

    inbound: TrackAudio
    outbound: TrackAudio

    def track(self, name: Track) -> TrackAudio:
        """The audio of ``media.track`` ``name``; KeyError for a track the contract does not name."""
        return {INBOUND: self.inbound, OUTBOUND: self.outbound}[name]

    @classmethod
    def default(cls) -> "MediaSource":
        """The default tones, :data:`INBOUND_TONE_HZ` inbound and :data:`OUTBOUND_TONE_HZ` outbound.

        Built on first use and shared after that: it is immutable and always the same.
        """
        return _default_source()

    @classmethod
    def from_wav(
        cls, path: StrPath | None = None, *, inbound: StrPath | None = None, outbound: StrPath | None = None
    ) -> "MediaSource":
        """One file for both tracks (``from_wav("call.wav")``), or one per track.

        ``from_wav(inbound="caller.wav", outbound="agent.wav")``; a track given no file keeps its default tone,
        so a Stream of ``inbound_track`` only needs ``inbound=``. The same file for both is converted once.
        """
        if path is not None:
            if inbound is not None or outbound is not None:
                raise TypeError("give one file for both tracks, or inbound= and outbound=, not both")
            both = TrackAudio.from_wav(path)
            return cls(both, both)
        if inbound is None and outbound is None:
            raise TypeError("give a file for both tracks, or inbound= and/or outbound=")
        default = _default_source()
        inbound_track = default.inbound if inbound is None else TrackAudio.from_wav(inbound)
        if outbound is None:
            outbound_track = default.outbound
        elif inbound is not None and os.fspath(outbound) == os.fspath(inbound):
            outbound_track = inbound_track
        else:
            outbound_track = TrackAudio.from_wav(outbound)
        return cls(inbound_track, outbound_track)


def decode_mulaw(data: bytes) -> npt.NDArray[np.int16]:
    """Raw 8 kHz mu-law bytes (what a receiver heard) to int16 PCM, decoded by libsndfile."""
    if not data:
        return np.zeros(0, dtype=np.int16)
    samples: npt.NDArray[np.int16]
    samples, _ = soundfile.read(
        io.BytesIO(data), samplerate=SAMPLE_RATE, channels=1, format="RAW", subtype="ULAW", dtype="int16"
    )
    return samples


def decode_payloads(payloads: str | Iterable[str]) -> npt.NDArray[np.int16]:
    """The base64 ``media.payload`` texts of one track, in order, to int16 PCM; one text is taken whole."""
    chunks = [payloads] if isinstance(payloads, str) else payloads
    raw = bytearray()
    for index, payload in enumerate(chunks):
        try:
            raw += base64.b64decode(payload, validate=True)
        except binascii.Error as error:
            raise ValueError(f"payload {index} is not base64: {error}") from error
    return decode_mulaw(bytes(raw))


def dominant_frequency(pcm: npt.ArrayLike, sample_rate: int = SAMPLE_RATE) -> float:
    """The frequency in Hz with the most energy in ``pcm`` (1-D), to within about half a hertz; 0.0 for silence.

    The mean is removed so that an offset never wins, and a Hann window keeps a tone's leakage from hiding
    another. The spectrum is zero-padded to a grid finer than half a hertz, so even one 20 ms frame (whose own
    bins are 50 Hz apart) is placed close to its true frequency.
    """
    samples = np.asarray(pcm, dtype=np.float64)
    if samples.ndim != 1:
        raise ValueError(f"expected 1-D samples, got shape {samples.shape}")
    windowed = (samples - samples.mean()) * np.hanning(samples.size)
    if not np.any(windowed):
        return 0.0
    size = 1 << max(samples.size, 2 * sample_rate).bit_length()
    magnitude = np.abs(np.fft.rfft(windowed, n=size))
    peak = int(np.argmax(magnitude[1:])) + 1
    return peak * sample_rate / size
