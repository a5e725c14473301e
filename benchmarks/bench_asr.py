"""Speech recognition and alignment benchmark: speed, peak memory, timing accuracy.

Prints, on this machine's CPU (int8, one thread per core):
  * for Whisper base and tiny.en over howto_money_clip.mp4 (58 s): model load seconds,
    processing seconds, audio seconds, real-time factor (processing / audio; target for
    base <= 0.4) and peak resident memory; each model in its own process so peaks don't mix;
  * the "banana" timing on speech_timing_banana.mp4: the late "banana" (said at about
    39.5-40.0 s) and how far its start lies outside that window, for both models;
  * forced alignment on manifesto.mp4 (88 s) against the word times of manifesto.json:
    median / 90th percentile / largest |start error| and real-time factor, for pocketsphinx
    (what NarrLocal uses) and for the alternative, Whisper base words matched to the text
    with difflib;
  * bounded memory: peak resident memory of tiny.en transcription and of alignment on a
    short file and on a long one (the banana clip's audio, resp. the audiobook's, repeated
    to --long-minutes), made in a temporary folder.

Usage: .venv/bin/python benchmarks/bench_asr.py [--long-minutes N] [--skip-long]
Needs ../shared/media (the real clips); nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from narrlocal_gui.narration.asr import WINDOW_SECONDS

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media" / "narrated"
HOWTO = MEDIA / "howto_money_clip.mp4"
BANANA = MEDIA / "speech_timing_banana.mp4"
MANIFESTO = MEDIA / "manifesto.mp4"
MANIFESTO_JSON = MEDIA / "manifesto.json"
BANANA_WINDOW = (39.5, 40.0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def reference_words() -> list[dict[str, Any]]:
    doc = json.loads(MANIFESTO_JSON.read_text(encoding="utf-8"))
    return [w for segment in doc for w in segment["words"]]


def normalised(word: str) -> str:
    return re.sub(r"[^a-z0-9']", "", word.lower())


# -- workers (run in child processes) --------------------------------------------------------


def work_asr(model: str, media: Path, banana: bool) -> dict[str, Any]:
    import psutil

    from narrlocal_gui.narration.asr import AsrOptions, AsrProgress, NoSpeechError, WhisperEngine

    started = time.perf_counter()
    engine = WhisperEngine.load(model, "cpu")
    loaded = time.perf_counter()
    rss_loaded = peak_rss_mb()
    samples: list[tuple[float, float]] = []  # (fraction done, resident MB) along the way
    process = psutil.Process()

    def sample(p: AsrProgress) -> None:
        samples.append((p.fraction, process.memory_info().rss / 2**20))

    no_speech = None
    try:
        transcript = engine.transcribe(
            media, AsrOptions(model=model, device="cpu"), progress=sample
        )
        audio_s, words = (
            transcript.duration,
            sum(len(s.words) for s in transcript.narration.segments),
        )
    except NoSpeechError as exc:  # a speech-free file: the memory figures are what counts
        no_speech = str(exc)
        audio_s, words = float(re.search(r"in the ([\d.]+) s", no_speech).group(1)), 0
    done = time.perf_counter()
    result: dict[str, Any] = {
        "model": model,
        "media": media.name,
        "load_s": loaded - started,
        "processing_s": done - loaded,
        "audio_s": audio_s,
        "words": words,
        "no_speech": no_speech is not None,
        "rss_along_mb": [  # resident memory when 25, 50, 75, 100 % of the audio was done
            round([m for f, m in samples if f <= q][-1]) for q in (0.25, 0.5, 0.75, 1.0)
        ],
        "peak_rss_loaded_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
    }
    if banana:
        words = engine.transcribe(BANANA, AsrOptions(model=model, device="cpu")).narration
        late = [w for s in words.segments for w in s.words if "banana" in w.text.lower()]
        late = [w for w in late if w.start > 30.0]
        if late:
            w = late[0]
            lo, hi = BANANA_WINDOW
            result["banana"] = {
                "start": w.start,
                "end": w.end,
                "outside_window_s": max(0.0, lo - w.start, w.start - hi),
            }
        else:
            result["banana"] = None
    return result


def work_align(media: Path, repeat: int) -> dict[str, Any]:
    from narrlocal_gui.narration.alignment import align_text

    reference = reference_words()
    text = "\n".join([" ".join(w["word"] for w in reference)] * repeat)
    started = time.perf_counter()
    transcript = align_text(media, text)
    elapsed = time.perf_counter() - started
    words = [w for s in transcript.narration.segments for w in s.words][: len(reference)]
    errors = np.abs(np.array([w.start for w in words]) - [w["start"] for w in reference])
    return {
        "method": "pocketsphinx",
        "audio_s": transcript.duration,
        "processing_s": elapsed,
        "median_s": float(np.median(errors)),
        "p90_s": float(np.percentile(errors, 90)),
        "max_s": float(errors.max()),
        "matched": len(words),
        "of": len(reference),
        "peak_rss_mb": peak_rss_mb(),
    }


def work_whisper_align() -> dict[str, Any]:
    """The alternative: Whisper base word times, text matched with difflib."""
    from narrlocal_gui.narration.asr import AsrOptions, WhisperEngine

    reference = reference_words()
    engine = WhisperEngine.load("base", "cpu")
    started = time.perf_counter()
    transcript = engine.transcribe(MANIFESTO, AsrOptions(model="base", device="cpu"))
    elapsed = time.perf_counter() - started
    heard = [w for s in transcript.narration.segments for w in s.words]
    matcher = difflib.SequenceMatcher(
        a=[normalised(w["word"]) for w in reference],
        b=[normalised(w.text) for w in heard],
        autojunk=False,
    )
    errors = np.array(
        [
            abs(reference[m.a + k]["start"] - heard[m.b + k].start)
            for m in matcher.get_matching_blocks()
            for k in range(m.size)
        ]
    )
    return {
        "method": "whisper base + difflib",
        "audio_s": transcript.duration,
        "processing_s": elapsed,
        "median_s": float(np.median(errors)),
        "p90_s": float(np.percentile(errors, 90)),
        "max_s": float(errors.max()),
        "matched": int(errors.size),
        "of": len(reference),
        "peak_rss_mb": peak_rss_mb(),
    }


# -- long inputs -----------------------------------------------------------------------------


def repeated_audio(source: Path, minutes: float, out: Path) -> int:
    """Write ``source``'s audio repeated to about ``minutes`` as AAC in .m4a; return the
    number of repetitions."""
    import av

    from narrlocal_gui.media.audio import decode_audio

    track = decode_audio(source, 16000, 1)
    assert track is not None
    once = np.ascontiguousarray(track.samples[:, 0])
    repeats = max(1, round(minutes * 60 / track.duration))
    with av.open(str(out), mode="w", format="ipod") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        pts = 0
        for _ in range(repeats):
            for start in range(0, once.size, 1024):
                block = once[start : start + 1024][np.newaxis, :]
                frame = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
                frame.sample_rate, frame.pts, frame.time_base = 16000, pts, Fraction(1, 16000)
                pts += block.shape[1]
                container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return repeats


def noise_audio(hours: float, out: Path) -> None:
    """Speech-free audio (noise and a hum) lasting ``hours``, made in seconds: one minute is
    encoded as AAC and its packets are written again and again with shifted times."""
    import av

    rate = 16000
    rng = np.random.default_rng(0)
    t = np.arange(60 * rate) / rate
    minute = (0.05 * rng.standard_normal(t.size) + 0.1 * np.sin(2 * np.pi * 100 * t)).astype(
        np.float32
    )
    with av.open(str(out), mode="w", format="ipod") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        packets: list[av.Packet] = []
        for start in range(0, minute.size, 1024):
            frame = av.AudioFrame.from_ndarray(
                minute[np.newaxis, start : start + 1024], format="flt", layout="mono"
            )
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            packets += stream.encode(frame)
        packets += stream.encode(None)
        # Each copy starts where the previous one ends (the encoder's priming included).
        first, last = packets[0], packets[-1]
        span = (last.dts or 0) + (last.duration or 0) - (first.dts or 0)
        for k in range(round(hours * 60)):
            for packet in packets:
                copy = av.Packet(bytes(packet))
                copy.stream, copy.time_base = stream, packet.time_base
                copy.duration = packet.duration
                copy.pts = None if packet.pts is None else packet.pts + k * span
                copy.dts = None if packet.dts is None else packet.dts + k * span
                container.mux(copy)


# -- the parent ------------------------------------------------------------------------------


def child(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report_asr(r: dict[str, Any]) -> None:
    rtf = r["processing_s"] / r["audio_s"]
    print(
        f"  {r['model']:<8} {r['media']:<28} load {r['load_s']:5.1f} s   "
        f"processing {r['processing_s']:6.1f} s for {r['audio_s']:7.1f} s of audio   "
        f"RTF {rtf:5.3f}   peak RSS {r['peak_rss_mb']:6.0f} MB "
        f"(after load {r['peak_rss_loaded_mb']:.0f} MB)   {r['words']} words"
        + ("   [no speech found]" if r["no_speech"] else "")
    )
    along = ", ".join(f"{m} MB" for m in r["rss_along_mb"])
    print(f"           resident memory at 25/50/75/100 % of the audio: {along}")
    banana = r.get("banana")
    if "banana" in r:
        if banana is None:
            print("           banana: NOT FOUND after 30 s")
        else:
            print(
                f"           banana at {banana['start']:.2f}-{banana['end']:.2f} s; "
                f"start {banana['outside_window_s']:.2f} s outside 39.5-40.0 s"
            )


def report_align(r: dict[str, Any]) -> None:
    rtf = r["processing_s"] / r["audio_s"]
    print(
        f"  {r['method']:<24} |start error| median {r['median_s']:.3f} s, "
        f"p90 {r['p90_s']:.3f} s, max {r['max_s']:.2f} s over {r['matched']}/{r['of']} words; "
        f"{r['processing_s']:.1f} s for {r['audio_s']:.0f} s (RTF {rtf:.3f}); "
        f"peak RSS {r['peak_rss_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long-minutes", type=float, default=20.0)
    parser.add_argument("--noise-hours", type=float, default=2.0)
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "asr":
            result = work_asr(rest[0], Path(rest[1]), banana=len(rest) > 2)
        elif kind == "align":
            result = work_align(Path(rest[0]), int(rest[1]))
        else:
            result = work_whisper_align()
        print(json.dumps(result))
        return
    if not MEDIA.is_dir():
        raise SystemExit(f"{MEDIA} is missing: the benchmark needs the shared real media")
    load = os.getloadavg()
    print(f"CPU cores: {os.cpu_count()}, load average {load[0]:.1f} (other work skews timings)")
    print("Transcription of howto_money_clip.mp4, then the banana clip (same process):")
    for model in ("base", "tiny.en"):
        report_asr(child("asr", model, str(HOWTO), "banana"))
    print("Alignment of manifesto.mp4's text against manifesto.json's word times:")
    report_align(child("align", str(MANIFESTO), "1"))
    report_align(child("whisper-align"))
    if args.skip_long:
        return
    with tempfile.TemporaryDirectory() as tmp:
        window = Path(tmp) / "banana_6min.m4a"
        long_speech = Path(tmp) / "banana_long.m4a"
        long_book = Path(tmp) / "book_long.m4a"
        noise = Path(tmp) / "noise.m4a"
        repeated_audio(BANANA, 6.0, window)
        repeated_audio(BANANA, args.long_minutes, long_speech)
        repeats = repeated_audio(MANIFESTO, args.long_minutes, long_book)
        noise_audio(args.noise_hours, noise)
        print(
            f"Bounded memory: 42 s, 6 min (more than one {WINDOW_SECONDS:g} s window), "
            f"{args.long_minutes:g} min of speech, {args.noise_hours:g} h without speech "
            "(tiny.en), then alignment of 88 s and of the long audiobook:"
        )
        for media in (BANANA, window, long_speech, noise):
            report_asr(child("asr", "tiny.en", str(media)))
        report_align(child("align", str(MANIFESTO), "1"))
        report_align(child("align", str(long_book), str(repeats)))


if __name__ == "__main__":
    main()
