"""Phrase extraction: exact-split rate over the test table, extraction speed, model load time.

Run: .venv/bin/python benchmarks/bench_phrases.py [--words N] [--runs N]

The speed is measured on a synthetic narration made of the table's sentences repeated to
about ``--words`` words (20k by default, an hour and a half of speech), as Whisper output
(punctuated, word times) and as auto-captions (lower case, no punctuation, word times).
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


if __name__ == "__main__":
    main()
