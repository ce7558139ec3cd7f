"""What refusing an over-long recording costs: peak memory and CPU, against decoding it whole first (the old way).

    python benchmarks/audio_limits.py [--hours 2]

The recording is the fault injector's: hours of Opus silence in Ogg with 20 ms packets (2.7 MB for two hours),
and the same in WebM as a browser writes it (no duration in the header). Each measurement runs in a child of its
own (ru_maxrss is a peak, so it cannot be reset): ``decode`` as the app runs it, and as the baseline
faster-whisper's ``decode_audio`` of the whole file, which is what the app did before checking the length.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from interview.testing.audio_samples import silent_opus

CHILD = """
import io, json, resource, sys, time
from interview.errors import SpeechError
from interview.speech.audio import decode
from interview.testing.audio_samples import tone_wav
from faster_whisper.audio import decode_audio
way = sys.argv[2]
run = (lambda a: decode(a)) if way == "decode" else (lambda a: decode_audio(io.BytesIO(a), sampling_rate=16000))
run(tone_wav(1.0))  # libraries and codecs loaded before measuring
audio = open(sys.argv[1], "rb").read()
before, cpu, wall = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.process_time(), time.perf_counter()
try:
    run(audio)
    outcome = "decoded"
except SpeechError as exc:
    outcome = str(exc)
print(json.dumps({"grown_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
                  "cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall, "outcome": outcome}))
"""


def measure(path: Path, way: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), way], capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0, help="length of the silent recording (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, kwargs in [("Ogg/Opus", {"fmt": "ogg"}), ("WebM/Opus, no duration", {"fmt": "webm", "live": True})]:
            path = Path(folder) / "silence"
            path.write_bytes(silent_opus(args.hours * 3600, **kwargs))
            print(f"{args.hours:g} h of silence, {name}, {path.stat().st_size / 1e6:.2f} MB:")
            for way, label in [("decode", "refused by decode"), ("whole", "baseline: decoded whole")]:
                r = measure(path, way)
                print(f"  {label:26} +{r['grown_mb']:7.1f} MB peak, {r['cpu_s']:5.2f} s CPU, {r['wall_s']:5.2f} s wall")


if __name__ == "__main__":
    main()
