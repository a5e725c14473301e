"""Phrase extraction: exact-split rate over the test tables (written sentences, and real speech
with visual flags), extraction speed, model load time.

Run: .venv/bin/python benchmarks/bench_phrases.py [--words N] [--runs N]

The speed is measured on a synthetic narration made of the table's sentences repeated to
about ``--words`` words (20k by default, an hour and a half of speech), as Whisper output
(punctuated, word times) and as auto-captions (lower case, no punctuation, word times); the
time for one hour of narration at that pace is printed, and the time for one 5,000-word
sentence without punctuation (bad input that must be chunked, not hang).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

# The table lives with the tests; this is a plain script run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from narrlocal_gui.core.model import Narration, Segment, Word
from narrlocal_gui.narration.phrases import (
    extract_phrases,
    load_nlp,
    split_into_phrases,
)
from tests.phrase_table import PHRASE_TABLE
from tests.phrase_table_speech import SPEECH_TABLE
from tests.test_narration_phrases_speech import measure_speech_table

WORD_SECONDS = 0.35  # a little under three words a second, a usual narration pace


def _synthetic(words_wanted: int, *, captions: bool) -> Narration:
    segments: list[Segment] = []
    t = 0.0
    count = 0
    while count < words_wanted:
        for case in PHRASE_TABLE:
            text = case.text
            if captions:
                text = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " '-")
            spoken = text.split()
            words = []
            for w in spoken:
                words.append(Word(f" {w}", t, t + WORD_SECONDS * 0.8))
                t += WORD_SECONDS
            segments.append(Segment(text, words[0].start, words[-1].end, tuple(words)))
            t += 0.4
            count += len(spoken)
            if count >= words_wanted:
                break
    return Narration(tuple(segments), source="vtt" if captions else "asr:base")


def _word_count(narration: Narration) -> int:
    return sum(len(s.text.split()) for s in narration.segments)


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20_000, help="words of synthetic narration")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per speed case")
    args = parser.parse_args()

    rss_before = _max_rss_mib()
    start = time.perf_counter()
    nlp = load_nlp()
    load_s = time.perf_counter() - start
    print(f"spaCy model load (import + load, first call): {load_s:.2f} s")
    print(
        f"  pipeline: {', '.join(nlp.pipe_names)}; peak RSS {rss_before:.0f} -> "
        f"{_max_rss_mib():.0f} MiB"
    )

    failures = []
    for case in PHRASE_TABLE:
        got = tuple(split_into_phrases(case.text))
        if got != case.expected:
            failures.append((case, got))
    exact = len(PHRASE_TABLE) - len(failures)
    print(
        f"exact-split rate: {exact}/{len(PHRASE_TABLE)} = {exact / len(PHRASE_TABLE):.3f} "
        f"({sum(len(c.expected) for c in PHRASE_TABLE)} expected phrases)"
    )
    for case, got in failures:
        print(f"  FAIL {case.text!r}\n    expected {list(case.expected)}\n    got      {list(got)}")

    exact_items, correct, total, speech_failures = measure_speech_table()
    print(
        f"real-speech table: exact phrases {exact_items}/{len(SPEECH_TABLE)} = "
        f"{exact_items / len(SPEECH_TABLE):.3f}; visual flags {correct}/{total} = "
        f"{correct / total:.3f}"
    )
    for line in speech_failures:
        print(f"  FAIL {line}")

    for captions in (False, True):
        narration = _synthetic(args.words, captions=captions)
        words = _word_count(narration)
        times = []
        result = ()
        rss_start = _max_rss_mib()
        for _ in range(args.runs):
            begin = time.perf_counter()
            result = extract_phrases(narration)
            times.append(time.perf_counter() - begin)
        seconds = statistics.median(times)
        kind = "auto-captions (no punctuation)" if captions else "Whisper-style (punctuated)"
        print(
            f"extract_phrases, {kind}: {words} words, {len(narration.segments)} segments -> "
            f"{len(result)} phrases in {seconds:.2f} s = {words / seconds:,.0f} words/s "
            f"(median of {args.runs}); peak RSS {rss_start:.0f} -> {_max_rss_mib():.0f} MiB"
        )
        hour = seconds * 3600.0 / (words * WORD_SECONDS)
        print(f"  one hour of narration ({3600 / WORD_SECONDS:,.0f} words): {hour:.2f} s")

    run_on = _synthetic(5_000, captions=True)
    spoken = " ".join(s.text for s in run_on.segments).split()[:5_000]
    one = Segment(" ".join(spoken), 0.0, len(spoken) * WORD_SECONDS)
    begin = time.perf_counter()
    result = extract_phrases(Narration((one,), source="manual"))
    print(
        f"one {len(spoken):,}-word sentence without punctuation or word times: "
        f"{len(result)} phrases in {time.perf_counter() - begin:.2f} s"
    )


if __name__ == "__main__":
    main()
