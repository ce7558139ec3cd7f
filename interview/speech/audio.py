"""Read a recording without trusting it: its length first, from the container, then a decode that stops at the limit.

Compressed silence is tiny: 2.7 MB of Ogg/Opus holds two hours, 1.2 GB once decoded. So nothing is decoded
before the recording is known to fit the limit. The container's header gives the length (WAV, Ogg, MP3, MP4,
WebM written by a muxer); a browser's WebM has none, and a header can be wrong, so then the packets' timestamps
are read, without decoding, until they pass the limit. The decode resamples each frame to 16 kHz mono float32
into a buffer that never grows past the limit: a file that lies about its length costs at most the limit's
worth of samples (38 MB for ten minutes).

    samples, seconds = decode(data, max_seconds=600)   # or SpeechError saying what is wrong and what to do
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

from ..errors import SpeechError

if TYPE_CHECKING:
    import av.container
    import av.stream
    import numpy as np
    from numpy.typing import NDArray

SAMPLE_RATE = 16_000
MIN_SECONDS = 0.3
DEFAULT_MAX_SECONDS = 600.0
MAX_BYTES = 50 * 2**20
SLACK_S = 0.5  # containers round lengths, and codecs pad a little (Opus pre-skip)
MIN_PACKET_S = 0.0025  # Opus's shortest frame: a file with more packets per second than this is not a recording
SEEK_PACKETS = 2_000  # packets read after seeking to the end, to find the last timestamp
# Demuxers a recording may come in (FFmpeg has hundreds; the others are never needed and only widen what is parsed).
FORMATS = frozenset({"wav", "matroska", "webm", "ogg", "mp3", "mov", "mp4", "m4a", "3gp", "flac", "aac"})
ESTIMATED = frozenset({"mp3", "aac"})  # FFmpeg may estimate their length from the bit rate: wrong for VBR without a header
TOO_MANY_PACKETS = "The recording has far more pieces than a recording of its length could: it is damaged. Record or upload it again."
UNREADABLE = "Could not read this audio: record again, or upload WAV, WebM/Opus, OGG or MP3."


def clock(seconds: float) -> str:
    """Say a length the way people read it: '45 s', '12 min 5 s', '2 h 0 min'."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{total} s"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if secs == 0 else f"{minutes} min {secs} s"


def too_long(seconds: float | None, limit: float) -> SpeechError:
    """Say the recording is over the limit, and by how much when that is known."""
    length = f"{clock(seconds)} long" if seconds and seconds > limit else f"longer than {clock(limit)}"  # a wrong end says nothing
    return SpeechError(f"The recording is {length}; answers can be at most {clock(limit)}: "
                       "record a shorter answer, or type it.")


def decode(audio: bytes, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> tuple[NDArray[np.float32], float]:
    """Decode a recording to 16 kHz mono float32 and return (samples, seconds); raise SpeechError when it will not do.

    Refused before any decoding: empty or oversized data, a container FFmpeg cannot open or that is not an audio
    format, a recording whose packets run past ``max_seconds``, and one whose header claims far more than its
    packets hold (cut off, or damaged). The decode itself stops at ``max_seconds`` whatever the file says.
    """
    if not audio:
        raise SpeechError("The recording is empty: record again, or type your answer.")
    if len(audio) > MAX_BYTES:
        raise SpeechError(f"The recording is larger than {MAX_BYTES // 2**20} MB: "
                          f"keep answers under {clock(max_seconds)}, or upload WebM/Opus, OGG or MP3 rather than WAV.")
    try:
        with _open(audio) as container:
            claimed, estimated = header_seconds(container), container.format.name in ESTIMATED
            measured = packet_seconds(container, max_seconds)
        if measured is not None and measured > max_seconds + SLACK_S:
            raise too_long(claimed if claimed and claimed > max_seconds else end_seconds(audio), max_seconds)
        _check_complete(claimed, measured, estimated)
        with _open(audio) as container:
            samples = _decode_capped(container, max_seconds, expected=measured or 0.0)
    except _OverLimit:
        raise too_long(end_seconds(audio), max_seconds) from None
    except SpeechError:
        raise
    except Exception as exc:  # noqa: BLE001 - PyAV raises many kinds (OSError, ValueError, EOFError...): all mean the same here
        raise SpeechError(UNREADABLE) from exc
    seconds = len(samples) / SAMPLE_RATE
    _check_complete(claimed, seconds, estimated)
    if seconds < MIN_SECONDS:
        raise SpeechError("The recording is too short to hold an answer: record again, or type your answer.")
    return samples, seconds


def _check_complete(claimed: float | None, held: float | None, estimated: bool) -> None:
    """Refuse a recording holding far less than its header says: it was cut off, or the header is damaged."""
    if claimed is not None and held is not None and not estimated and held < claimed * 0.8 - SLACK_S:
        raise SpeechError(f"The recording says it lasts {clock(claimed)} but holds only {clock(held)} of sound: "
                          "it was cut off or is damaged. Record or upload it again.")


class _OverLimit(Exception):
    """The decode reached the limit before the recording ended."""


def _open(audio: bytes) -> av.container.InputContainer:
    """Open the recording's container; only audio formats are accepted, and only with an audio stream."""
    import av

    container = av.open(io.BytesIO(audio), mode="r", metadata_errors="ignore")
    if not FORMATS.intersection(container.format.name.split(",")) or not container.streams.audio:
        container.close()
        raise SpeechError(UNREADABLE)
    return container


def header_seconds(container: av.container.InputContainer) -> float | None:
    """Return the length the container's header gives for its first audio stream, or None when it gives none."""
    stream = container.streams.audio[0]
    candidates = [container.duration / 1_000_000 if container.duration else None,
                  float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None]
    known = [c for c in candidates if c is not None and math.isfinite(c) and c > 0]
    return max(known) if known else None


def packet_seconds(container: av.container.InputContainer, max_seconds: float) -> float | None:
    """Return how long the packets' timestamps run, reading (never decoding) them until they pass ``max_seconds``.

    None when the packets carry no timestamps. Past the limit it stops and returns the first length beyond it.
    """
    stream = container.streams.audio[0]
    first: float | None = None
    end = 0.0
    limit_packets = int(max_seconds / MIN_PACKET_S)
    for count, packet in enumerate(container.demux(stream)):
        if count > limit_packets:
            raise SpeechError(TOO_MANY_PACKETS)
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is None or packet.time_base is None:
            continue
        start = float(stamp * packet.time_base)
        first = start if first is None else min(first, start)
        end = max(end, start + float((packet.duration or 0) * packet.time_base))
        if end - first > max_seconds + SLACK_S:
            break
    return None if first is None else end - first


def end_seconds(audio: bytes) -> float | None:
    """Return the last packet's end by seeking to the end of the file, or None when that cannot be found cheaply."""
    try:
        with _open(audio) as container:
            stream = container.streams.audio[0]
            if stream.time_base is None:
                return None
            start = float((stream.start_time or 0) * stream.time_base)
            container.seek(2**62, backward=True, any_frame=False, stream=stream)
            end = None
            for count, packet in enumerate(container.demux(stream)):
                if count > SEEK_PACKETS:
                    return None
                if packet.pts is not None:
                    end = max(end or 0.0, float((packet.pts + (packet.duration or 0)) * stream.time_base))
            return None if end is None else end - start
    except Exception:  # noqa: BLE001 - only for the message: without it the message says "longer than" the limit
        return None


def _decode_capped(container: av.container.InputContainer, max_seconds: float, *, expected: float) -> NDArray[np.float32]:
    """Decode and resample frame by frame into a buffer bounded by the limit; raise _OverLimit at the limit."""
    import av
    import numpy as np

    stream = container.streams.audio[0]
    cap = int((max_seconds + SLACK_S) * SAMPLE_RATE)
    buffer = np.empty(min(cap, int((min(expected, max_seconds) + 1) * SAMPLE_RATE)), dtype=np.float32)
    filled = 0
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    limit_packets = int(max_seconds / MIN_PACKET_S)

    def add(frames) -> None:
        nonlocal buffer, filled
        for out in frames:
            piece = out.to_ndarray().reshape(-1)
            if filled + len(piece) > cap:
                raise _OverLimit
            if filled + len(piece) > len(buffer):
                grown = np.empty(min(cap, max(2 * len(buffer), filled + len(piece))), dtype=np.float32)
                grown[:filled] = buffer[:filled]
                buffer = grown
            buffer[filled:filled + len(piece)] = piece
            filled += len(piece)

    for count, packet in enumerate(container.demux(stream)):
        if count > limit_packets:
            raise SpeechError(TOO_MANY_PACKETS)
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue  # one damaged frame is skipped, as faster-whisper does
        for frame in frames:
            frame.pts = None  # the resampler needs no timestamps, and a gap in them is not an error here
            add(resampler.resample(frame))
    add(resampler.resample(None))
    buffer.resize((filled,), refcheck=False)
    return buffer


__all__ = ["DEFAULT_MAX_SECONDS", "MAX_BYTES", "MIN_SECONDS", "SAMPLE_RATE", "clock", "decode", "end_seconds", "header_seconds",
           "packet_seconds"]
