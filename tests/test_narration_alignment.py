"""Forced alignment of a known text: text normalisation for the dictionary, the windowed
pocketsphinx alignment on our synthetic English clip, bad inputs, and the accuracy on the
real audiobook clip against its word-timed reference (../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narrlocal_gui.narration import alignment
from narrlocal_gui.narration.alignment import AlignmentError, align_text, spoken_words
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.progress import Cancelled
from tests.media_factory import make_counter_clip

ENGLISH = Path(__file__).resolve().parent / "data" / "english_omelette.ogg"
ENGLISH_TEXT = (
    "First, put some oil into a pan and heat it. Then add the chopped onions and stir them "
    "for 2 minutes.\n\nNow crack 2 eggs into a bowl and whisk them with a fork. Pour the eggs "
    "over the onions."
)


@pytest.fixture(scope="module")
def english() -> Path:
    if not ENGLISH.is_file():
        pytest.skip("tests/data/english_omelette.ogg is absent")
    return ENGLISH


@pytest.fixture(scope="module")
def aligned(english: Path) -> tuple[Transcript, list[float]]:
    reports: list[float] = []
    return align_text(english, ENGLISH_TEXT, progress=reports.append), reports


# -- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "spoken"),
    [
        ("First,", ["first"]),
        ("Marx's", ["marx's"]),
        ("“Hello!”", ["hello"]),
        ("café", ["cafe"]),
        ("well-known", ["well", "known"]),
        ("and/or", ["and", "or"]),
        ("&", ["and"]),
        ("2", ["two"]),
        ("1,250", ["one", "thousand", "two", "hundred", "fifty"]),
        ("1848,", ["eighteen", "forty", "eight"]),
        ("1900", ["nineteen", "hundred"]),
        ("1905", ["nineteen", "oh", "five"]),
        ("2024", ["twenty", "twenty", "four"]),
        ("2000", ["two", "thousand"]),
        ("3.5", ["three", "point", "five"]),
        ("21st", ["twenty", "first"]),
        ("12th", ["twelfth"]),
        ("40%", ["forty", "percent"]),
        ("$5", ["five", "dollars"]),
        ("1990s", ["nineteen", "nineties"]),
        ("10:30", ["ten", "thirty"]),
        ("—", []),
    ],
)
def test_spoken_words(token: str, spoken: list[str]) -> None:
    assert spoken_words(token) == spoken


def test_sentences() -> None:
    tokens = alignment._tokens("Mr. Smith came. He saw J. K. Rowling!\n\nA new paragraph")
    sentences = [[t.text for t in tokens if t.sentence == s] for s in range(3)]
    assert sentences == [
        ["Mr.", "Smith", "came."],
        ["He", "saw", "J.", "K.", "Rowling!"],
        ["A", "new", "paragraph"],
    ]
    # Captions without sentence punctuation: a sentence per line.
    lines = alignment._tokens("put oil in a pan\nadd the onions\n")
    assert [t.sentence for t in lines] == [0] * 5 + [1] * 3


def test_words_missing_from_the_dictionary_get_pronunciations() -> None:
    decoder = alignment._new_decoder()
    lexicon = alignment._Lexicon(decoder)
    assert lexicon.entry("audiobook", acronym=False) == "audiobook"  # audio + book
    assert lexicon.entry("communistic", acronym=False) == "communistic"  # communist + -ic
    assert lexicon.entry("www", acronym=False) == "www"  # no vowel: spelled
    assert decoder.lookup_word("www") == " ".join([decoder.lookup_word("w")] * 3)
    assert lexicon.entry("quorvexa", acronym=False) is None


def test_unaligned_words_are_interpolated_between_neighbours() -> None:
    tokens = alignment._tokens("one twoooo three")
    spoken = [alignment._Spoken("one", 0), alignment._Spoken("three", 2)]
    spans = alignment._token_times(tokens, spoken, [(1.0, 1.5), (3.0, 3.5)], 10.0)
    assert spans == [(1.0, 1.5), (1.5, 3.0), (3.0, 3.5)]
    # At the end, after the last aligned word, in proportion to the length.
    tail = alignment._token_times(tokens, spoken[:1], [(1.0, 1.5)], 10.0)
    assert tail[1] is not None and tail[2] is not None
    assert tail[1][0] == 1.5 and tail[1][1] < tail[2][1] <= 10.0


# -- alignment ----------------------------------------------------------------------------


def test_the_text_is_kept_and_timed(aligned: tuple[Transcript, list[float]]) -> None:
    transcript, _ = aligned
    n = transcript.narration
    assert n.source == "aligned" and n.language == "en"
    assert transcript.media == ENGLISH.name
    assert transcript.duration == pytest.approx(15.5, abs=0.1)
    assert [s.text for s in n.segments] == [
        "First, put some oil into a pan and heat it.",
        "Then add the chopped onions and stir them for 2 minutes.",
        "Now crack 2 eggs into a bowl and whisk them with a fork.",
        "Pour the eggs over the onions.",
    ]
    words = [w for s in n.segments for w in s.words]
    assert " ".join(w.text for w in words) == " ".join(ENGLISH_TEXT.split())
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    for segment in n.segments:
        assert segment.start == segment.words[0].start and segment.end == segment.words[-1].end
    # The clip has 1 s of silence before the speech and about 1 s after it.
    assert 0.9 <= words[0].start <= 1.3
    assert 13.8 <= words[-1].end <= 14.7


def test_alignment_agrees_with_whisper_on_sentence_starts(
    aligned: tuple[Transcript, list[float]],
) -> None:
    # tiny.en (tests/test_narration_asr.py) starts these sentences at about 0.7, 4.4, 8.5,
    # 12.5 s; a wrong alignment is off by seconds.
    starts = [s.start for s in aligned[0].narration.segments]
    assert np.allclose(starts, [0.95, 4.45, 8.5, 12.45], atol=0.35), starts


def test_progress_ends_at_one(aligned: tuple[Transcript, list[float]]) -> None:
    _, reports = aligned
    assert reports == sorted(reports) and reports[-1] == 1.0 and reports[0] == 0.0


def test_short_windows_give_the_same_times(
    english: Path, aligned: tuple[Transcript, list[float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alignment, "WINDOW_SECONDS", 4.0)
    monkeypatch.setattr(alignment, "MARGIN_SECONDS", 1.0)
    windowed = align_text(english, ENGLISH_TEXT)
    one = [w.start for s in aligned[0].narration.segments for w in s.words]
    many = [w.start for s in windowed.narration.segments for w in s.words]
    assert len(one) == len(many)
    errors = np.abs(np.array(one) - np.array(many))
    assert np.median(errors) <= 0.03 and errors.max() <= 0.3, errors


def test_cancel(english: Path) -> None:
    with pytest.raises(Cancelled):
        align_text(english, ENGLISH_TEXT, cancel=lambda: True)


def test_no_words(english: Path) -> None:
    with pytest.raises(AlignmentError, match="has no English words"):
        align_text(english, " — … \n")


def test_no_audio_track(tmp_path: Path) -> None:
    clip = make_counter_clip(tmp_path / "mute.mp4", with_audio=False)
    with pytest.raises(AlignmentError, match="has no audio track"):
        align_text(clip, "Hello there.")


def test_silent_audio(tmp_path: Path) -> None:
    clip = make_counter_clip(tmp_path / "silent.mp4", tone_hz=0.0)
    with pytest.raises(AlignmentError, match="is silent"):
        align_text(clip, "Hello there.")


def test_a_text_that_is_not_this_narration(english: Path) -> None:
    text = " ".join(["The history of all hitherto existing society is the history."] * 12)
    with pytest.raises(AlignmentError, match=r"Only \d+ of the \d+ words"):
        align_text(english, text)


def test_a_text_not_in_english(english: Path) -> None:
    with pytest.raises(AlignmentError, match="has no English words"):
        align_text(english, "这是一个测试")


# -- the real audiobook clip ----------------------------------------------------------------


@pytest.mark.shared
def test_the_audiobook_matches_its_reference(shared_media: Path) -> None:
    folder = shared_media / "narrated"
    reference = [
        w for s in json.loads((folder / "manifesto.json").read_text("utf-8")) for w in s["words"]
    ]
    text = " ".join(w["word"] for w in reference)
    transcript = align_text(folder / "manifesto.mp4", text)
    words = [w for s in transcript.narration.segments for w in s.words]
    assert [w.text for w in words] == [w["word"] for w in reference]
    errors = np.abs(np.array([w.start for w in words]) - [w["start"] for w in reference])
    # Measured: median 0.02 s, 90th percentile 0.04 s, largest 0.26 s.
    assert np.median(errors) <= 0.05
    assert np.percentile(errors, 90) <= 0.15
    assert errors.max() <= 1.0
