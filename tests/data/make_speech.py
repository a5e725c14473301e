"""Rebuild the synthetic speech clips in this folder (see README.md).

Run: .venv/bin/python tests/data/make_speech.py   (needs the espeak-ng program)
"""

from __future__ import annotations

import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile

HERE = Path(__file__).resolve().parent

CLIPS = {
    "german_bread.ogg": (
        "de",
        165,
        "Guten Tag. Heute zeige ich Ihnen, wie man ein einfaches Brot backt. Zuerst mischen "
        "wir Mehl, Wasser, Salz und Hefe in einer großen Schüssel. Dann kneten wir den Teig "
        "zehn Minuten lang und lassen ihn eine Stunde an einem warmen Ort ruhen.",
    ),
    "english_omelette.ogg": (
        "en-us",
        150,
        "First, put some oil into a pan and heat it. Then add the chopped onions and stir them "
        "for two minutes. Now crack two eggs into a bowl and whisk them with a fork. Pour the "
        "eggs over the onions.",
    ),
}


def synthesize(voice: str, words_per_minute: int, text: str, out: Path) -> None:
    """espeak-ng speech with 1 s of silence before and after, as 24 kbit/s Opus in Ogg."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(wav), text],
            check=True,
        )
        samples, rate = soundfile.read(str(wav), dtype="float32")
    pad = np.zeros(rate, dtype=np.float32)
    pcm = (np.concatenate([pad, samples, pad]) * 32767).astype(np.int16)[np.newaxis, :]
    with av.open(str(out), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=24000)
        stream.layout = "mono"
        stream.bit_rate = 24000
        resampler = av.AudioResampler(format="s16", layout="mono", rate=24000)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        for resampled in resampler.resample(frame) + resampler.resample(None):
            container.mux(stream.encode(resampled))
        container.mux(stream.encode(None))


if __name__ == "__main__":
    for name, (voice, speed, text) in CLIPS.items():
        synthesize(voice, speed, text, HERE / name)
        print(HERE / name)
