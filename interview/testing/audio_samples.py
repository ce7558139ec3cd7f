"""Hostile and odd recordings for the audio limit tests, made in well under a second (nothing big is committed).

Hours of silence cost nothing to make: one Opus packet of silence is encoded once and muxed over and over with
rising timestamps, exactly what an encoder would write for a silent room.

    ogg = silent_opus(7200)                                # two hours of Ogg/Opus, 2.7 MB
    webm = silent_opus(7200, fmt="webm", live=True)        # as a browser records: no duration in the header
    liar = set_webm_duration(silent_opus(7200, fmt="webm"), 2.0)   # the header says 2 s, the packets two hours
    wav = tone_wav(3.0, rate=48_000, channels=2)           # 3 s of 440 Hz, stereo
"""

from __future__ import annotations

import io
import struct
import wave
from typing import Literal

RATE = 48_000  # Opus always runs at 48 kHz


def silent_opus(seconds: float, *, fmt: Literal["ogg", "webm"] = "ogg", frame_ms: int = 20, live: bool = False,
                step_ms: float | None = None, last_at_s: float | None = None) -> bytes:
    """Return ``seconds`` of Opus silence in Ogg or WebM (``live``: no duration or cues, as MediaRecorder writes).

    ``step_ms`` spaces the packets' timestamps differently from their length (0: all at once, 1: a packet per
    millisecond); ``last_at_s`` moves the last packet to that time, so the timeline claims far more than it holds.
    """
    import av
    import numpy as np

    buf = io.BytesIO()
    out = av.open(buf, mode="w", format=fmt, options={"live": "1"} if live else {})
    stream = out.add_stream("libopus", rate=RATE, layout="mono")
    stream.bit_rate = 6000
    stream.codec_context.options = {"frame_duration": str(frame_ms)}
    samples = RATE * frame_ms // 1000
    frame = av.AudioFrame.from_ndarray(np.zeros((1, samples), dtype=np.int16), format="s16", layout="mono")
    frame.sample_rate = RATE
    encoded = []
    for i in range(5):  # the first packets carry the encoder's start-up; a later one is steady silence
        frame.pts = i * samples
        encoded += list(stream.encode(frame))
    template, time_base = bytes(encoded[-1]), encoded[-1].time_base
    count = max(1, round(seconds * 1000 / frame_ms))
    step = samples if step_ms is None else round(step_ms * RATE / 1000)
    for i in range(count):
        packet = av.Packet(template)
        packet.stream, packet.time_base, packet.duration = stream, time_base, samples
        packet.pts = packet.dts = round(last_at_s * RATE) if last_at_s is not None and i == count - 1 else i * step
        out.mux(packet)
    out.close()
    return buf.getvalue()


def set_webm_duration(data: bytes, seconds: float) -> bytes:
    """Return a WebM whose header's Duration says ``seconds`` (the packets are left as they are)."""
    at = data.find(b"\x44\x89\x88")  # EBML Duration, an 8-byte float in milliseconds (the default timecode scale)
    if at < 0:
        raise ValueError("no 8-byte Duration element: was the WebM written live?")
    return data[:at + 3] + struct.pack(">d", seconds * 1000) + data[at + 11:]


def tone_wav(seconds: float, *, rate: int = 16_000, channels: int = 1, freq: float = 440.0, amplitude: float = 0.3) -> bytes:
    """Return a 16-bit WAV of a sine tone on every channel."""
    import numpy as np

    wave_ = (amplitude * 32767 * np.sin(2 * np.pi * freq * np.arange(round(seconds * rate)) / rate)).astype("<i2")
    frames = np.repeat(wave_, channels).tobytes()  # interleaved: each sample once per channel
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


__all__ = ["set_webm_duration", "silent_opus", "tone_wav"]
