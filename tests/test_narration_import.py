"""Transcript import: formats, encodings, markup, repairs, errors, and the real auto-captions."""

from __future__ import annotations

import difflib
import itertools
import json
import random
import re
import statistics
from pathlib import Path

import pytest

from narrlocal_gui.core.model import Narration, Segment, Word
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.narration.transcript_json import (
    Transcript,
    TranscriptError,
    write_transcript_json,
)
from narrlocal_gui.narration.transcripts.imported import (
    MAX_TRANSCRIPT_BYTES,
    TRANSCRIPT_SUFFIXES,
    ImportedTranscript,
    TranscriptKind,
)
from narrlocal_gui.narration.transcripts.reader import (
    decode_transcript_bytes,
    parse_transcript,
    read_transcript,
)

SRT = """1
00:00:01,000 --> 00:00:02,500
Put some oil
into a pan.

2
00:00:03,000 --> 00:00:04,000
Add chopped onions.
"""

VTT = """WEBVTT
Kind: captions
Language: de

NOTE a comment that is not narration

STYLE
::cue { color: yellow }

intro
00:01.000 --> 00:02.500 align:start position:10%
<v Anna>Put some oil</v>
into a pan.

00:00:03.000 --> 00:00:04.000
Add chopped onions.
"""

# Two lines of YouTube-style roll-up captions: each cue repeats the line before it, new words
# carry inline timestamps, and 10 ms "flash" cues sit between.
ROLLING_VTT = """WEBVTT
Kind: captions
Language: en

00:00:01.000 --> 00:00:03.000 align:start position:0%
\x20
put<00:00:01.400><c> some</c><00:00:01.800><c> oil</c>

00:00:03.000 --> 00:00:03.010 align:start position:0%
put some oil
\x20

00:00:03.010 --> 00:00:05.000 align:start position:0%
put some oil
into<00:00:03.500><c> a</c><00:00:03.700><c> pan</c>

00:00:05.000 --> 00:00:05.010 align:start position:0%
into a pan
\x20

00:00:05.010 --> 00:00:07.000 align:start position:0%
into a pan
add<00:00:05.600><c> chopped</c><00:00:06.200><c> onions</c>

00:00:07.000 --> 00:00:07.010 align:start position:0%
add chopped onions
\x20

00:00:07.010 --> 00:00:08.000 align:start position:0%
add chopped onions
and stir
"""


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def texts(imported: ImportedTranscript) -> list[str]:
    return [s.text for s in imported.transcript.narration.segments]


def spans(imported: ImportedTranscript) -> list[tuple[float, float]]:
    return [(s.start, s.end) for s in imported.transcript.narration.segments]


def has_note(imported: ImportedTranscript, pattern: str) -> bool:
    return any(re.search(pattern, r) for r in imported.repairs)


# --- formats and kind detection -----------------------------------------------------------


def test_public_constants() -> None:
    assert TRANSCRIPT_SUFFIXES == (".srt", ".vtt", ".json", ".txt")
    assert [k.value for k in TranscriptKind] == ["srt", "vtt", "json", "text"]


def test_srt_cues_become_segments_without_invented_word_times(tmp_path: Path) -> None:
    imported = read_transcript(write(tmp_path, "talk.srt", SRT))
    assert imported.kind is TranscriptKind.SRT
    assert not imported.needs_alignment
    assert texts(imported) == ["Put some oil into a pan.", "Add chopped onions."]
    assert spans(imported) == [(1.0, 2.5), (3.0, 4.0)]
    assert all(s.words == () for s in imported.transcript.narration.segments)
    assert imported.text == "Put some oil into a pan. Add chopped onions."
    narration = imported.transcript.narration
    assert (narration.source, narration.language) == ("srt", None)
    assert imported.repairs == ()


def test_vtt_reads_language_and_ignores_notes_styles_and_identifiers(tmp_path: Path) -> None:
    imported = read_transcript(write(tmp_path, "talk.vtt", VTT))
    assert imported.kind is TranscriptKind.VTT
    assert texts(imported) == ["Put some oil into a pan.", "Add chopped onions."]
    assert spans(imported) == [(1.0, 2.5), (3.0, 4.0)]
    narration = imported.transcript.narration
    assert (narration.source, narration.language) == ("vtt", "de")
    assert imported.repairs == ()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.srt", VTT, TranscriptKind.VTT),  # suffix lies: header says WebVTT
        ("a.vtt", SRT, TranscriptKind.SRT),  # suffix lies: commas and no header
        ("a.txt", SRT, TranscriptKind.SRT),
        ("a.json", SRT, TranscriptKind.SRT),
        ("a.srt", '[{"text": "hi", "start": 0, "end": 1}]', TranscriptKind.JSON),
    ],
)
def test_content_overrules_a_lying_suffix(
    tmp_path: Path, name: str, content: str, kind: TranscriptKind
) -> None:
    imported = read_transcript(write(tmp_path, name, content))
    assert imported.kind is kind
    assert has_note(imported, rf"Read '{re.escape(name)}' as .* despite its name")


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.sub", VTT, TranscriptKind.VTT),
        ("a", SRT, TranscriptKind.SRT),
        ("a.dat", '{"segments": [{"start": 0, "end": 1, "text": "hi"}]}', TranscriptKind.JSON),
        ("a.md", "[Music] Put some oil into a pan.", TranscriptKind.TEXT),
    ],
)
def test_unknown_suffix_is_sniffed(
    tmp_path: Path, name: str, content: str, kind: TranscriptKind
) -> None:
    imported = read_transcript(write(tmp_path, name, content))
    assert imported.kind is kind
    assert not has_note(imported, "despite its name")


def test_kind_argument_forces_the_format() -> None:
    assert parse_transcript(SRT).kind is TranscriptKind.SRT
    assert parse_transcript(VTT).kind is TranscriptKind.VTT
    forced = parse_transcript(SRT, kind=TranscriptKind.TEXT)
    assert forced.kind is TranscriptKind.TEXT
    assert "00:00:01,000 --> 00:00:02,500" in forced.text


def test_vtt_without_header_is_read_with_a_note(tmp_path: Path) -> None:
    body = VTT.split("\n\n", 1)[1].replace("NOTE a comment that is not narration\n\n", "")
    body = body.split("\n\n", 1)[1]  # the STYLE block needs a header; drop it too
    imported = read_transcript(write(tmp_path, "bare.vtt", body))
    assert imported.kind is TranscriptKind.VTT
    assert texts(imported) == ["Put some oil into a pan.", "Add chopped onions."]
    assert has_note(imported, "no WEBVTT header")


def test_ass_file_is_refused_clearly(tmp_path: Path) -> None:
    ass = "[Script Info]\nScriptType: v4.00+\n\n[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,,hi\n"
    with pytest.raises(TranscriptError, match=r"'talk\.ass' is an SSA/ASS subtitle file"):
        read_transcript(write(tmp_path, "talk.ass", ass))


# --- markup -------------------------------------------------------------------------------


def test_markup_entities_and_sound_descriptions_are_removed() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\n"
        '<i>Salt</i> &amp; <b>pepper</b>, <font color="#ff0000">then</font> {\\an8}stir.\n\n'
        "2\n00:00:02,000 --> 00:00:03,000\n[Music]\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\n(laughs) Now   the [Applause]\n  lid &lt;3\n\n"
        "4\n00:00:04,000 --> 00:00:05,000\n♪ la la la ♪\n♫\n\n"
        "5\n00:00:05,000 --> 00:00:06,000\n- Done.\n>> Yes!\n"
    )
    imported = parse_transcript(srt, name="'x.srt'")
    assert texts(imported) == ["Salt & pepper, then stir.", "Now the lid <3", "Done. Yes!"]
    assert has_note(imported, r"Dropped 2 cues holding only sound descriptions")
    assert has_note(imported, r"Removed 2 sound descriptions")


def test_vtt_cue_tags_and_voice_spans_are_removed() -> None:
    vtt = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n"
        "<v.loud Bob>Hello</v> <c.yellow>there</c> <ruby>big<rt>x</rt></ruby>&nbsp;friend\n"
    )
    assert texts(parse_transcript(vtt)) == ["Hello there bigx friend"]


def test_empty_cues_are_dropped_with_a_note() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nOne.\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\n<i> </i>\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nTwo.\n"
    )
    imported = parse_transcript(srt)
    assert texts(imported) == ["One.", "Two."]
    assert has_note(imported, r"Dropped 1 empty cue\.")


# --- rolling auto-captions ----------------------------------------------------------------


def test_rolling_captions_become_one_segment_per_spoken_line() -> None:
    imported = parse_transcript(ROLLING_VTT, kind=TranscriptKind.VTT)
    segments = imported.transcript.narration.segments
    assert texts(imported) == ["put some oil", "into a pan", "add chopped onions", "and stir"]
    assert spans(imported) == [(1.0, 3.0), (3.01, 5.0), (5.01, 7.0), (7.01, 8.0)]
    assert has_note(imported, r"Merged 7 rolling caption cues into 4")
    timed = [(w.text, w.start, w.end) for w in segments[0].words]
    # First word from the cue start, then each from the timestamp before it; last to cue end.
    assert timed == [("put", 1.0, 1.4), ("some", 1.4, 1.8), ("oil", 1.8, 3.0)]
    assert [w.start for w in segments[2].words] == [5.01, 5.6, 6.2]
    assert segments[3].words == ()  # the last line has no inline timestamps
    assert imported.transcript.narration.language == "en"


def test_words_sharing_one_timestamp_share_its_span() -> None:
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nab<00:00:02.000> cd ef\n"
    words = parse_transcript(vtt).transcript.narration.segments[0].words
    assert [(w.text, w.start, w.end) for w in words] == [
        ("ab", 1.0, 2.0),
        ("cd", 2.0, 2.5),
        ("ef", 2.5, 3.0),
    ]


def test_repeated_lines_in_ordinary_subtitles_are_kept() -> None:
    srt = "".join(
        f"{i}\n00:00:0{i},000 --> 00:00:0{i},900\n{text}\n\n"
        for i, text in enumerate(["Stir.", "Stir.", "Now add salt.", "Stir."], 1)
    )
    assert texts(parse_transcript(srt)) == ["Stir.", "Stir.", "Now add salt.", "Stir."]


# --- timing repairs -----------------------------------------------------------------------


def test_overlaps_duplicates_order_and_reversed_cues_are_repaired() -> None:
    srt = (
        "1\n00:00:05,000 --> 00:00:06,000\nLast.\n\n"
        "2\n00:00:01,000 --> 00:00:03,000\nFirst.\n\n"
        "3\n00:00:01,000 --> 00:00:03,000\nFirst.\n\n"  # identical duplicate
        "4\n00:00:02,000 --> 00:00:04,000\nSecond.\n\n"  # overlaps the first
        "5\n00:00:04,800 --> 00:00:04,500\nReversed.\n"
    )
    imported = parse_transcript(srt)
    assert texts(imported) == ["First.", "Second.", "Reversed.", "Last."]
    assert spans(imported) == [(1.0, 2.0), (2.0, 4.0), (4.5, 4.8), (5.0, 6.0)]
    for pattern in (
        r"Swapped start and end of 1 cue with the end before the start",
        r"Sorted \d+ cues? that came out of time order",
        r"Removed 1 duplicated cue\.",
        r"Ended 1 overlapping cue where the next one starts",
    ):
        assert has_note(imported, pattern), (pattern, imported.repairs)


def test_cues_starting_together_are_joined() -> None:
    srt = "1\n00:00:01,000 --> 00:00:02,000\nLeft.\n\n2\n00:00:01,000 --> 00:00:03,000\nRight.\n"
    imported = parse_transcript(srt)
    assert texts(imported) == ["Left. Right."]
    assert spans(imported) == [(1.0, 3.0)]
    assert has_note(imported, r"Joined 1 cue that started at the same time")


def test_media_duration_drops_and_cuts_cues() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nIn.\n\n"
        "2\n00:00:09,000 --> 00:00:12,000\nStraddles.\n\n"
        "3\n00:00:15,000 --> 00:00:16,000\nPast.\n"
    )
    imported = parse_transcript(srt, media_duration=10.0)
    assert texts(imported) == ["In.", "Straddles."]
    assert spans(imported) == [(1.0, 2.0), (9.0, 10.0)]
    assert has_note(imported, r"Dropped 1 cue starting after the end of the video \(10\.00 s\)")
    assert has_note(imported, r"Cut 1 cue at the end of the video")
    with pytest.raises(TranscriptError, match=r"All cues of 'x\.srt' start after the video"):
        parse_transcript(srt, name="'x.srt'", media_duration=0.5)
    with pytest.raises(ValueError):
        parse_transcript(srt, media_duration=-1.0)


def test_sloppy_srt_timestamps_are_read() -> None:
    srt = (
        "1\n0:00:01,5 --> 00:00:02,000\nOne.\n\n"
        "2\n  00:00:02.500   -->   00:00:03.250  \nTwo.\n\n"
        "3\n00:00:04,000-->00:00:05,000\nThree.\n"
    )
    imported = parse_transcript(srt, kind=TranscriptKind.SRT)
    assert spans(imported) == [(1.5, 2.0), (2.5, 3.25), (4.0, 5.0)]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (TranscriptKind.SRT, "1\n00:00:01,000 --> 00:00:01,500\nok\n\n2\n00:01,5 --> 00:02,0\nx\n"),
        (
            TranscriptKind.VTT,
            "WEBVTT\n\n00:01.000 --> 00:01.500\nok\n\n00:00:61.000 --> 1:02.0\n",
        ),
    ],
)
def test_unreadable_timing_line_is_named(kind: TranscriptKind, text: str) -> None:
    with pytest.raises(TranscriptError, match=r"^Line 6 of 'x' has cue times that cannot be read"):
        parse_transcript(text, kind=kind, name="'x'")


# --- JSON -----------------------------------------------------------------------------------


def test_narrlocal_transcript_json_round_trips(tmp_path: Path) -> None:
    words = (Word("Hello,", 0.5, 0.9, 0.93), Word("world.", 0.9, 1.4, None))
    original = Transcript(
        Narration((Segment("Hello, world.", 0.5, 1.4, words),), "en", "asr:base"),
        media="clip.mp4",
        duration=2.0,
        language_probability=0.98,
        model="base",
        device="cpu",
        compute_type="int8",
    )
    path = tmp_path / "clip.json"
    write_transcript_json(path, original)
    imported = read_transcript(path)
    assert imported.kind is TranscriptKind.JSON
    t = imported.transcript
    assert t.narration.segments == original.narration.segments
    assert (t.narration.language, t.narration.source) == ("en", "json")
    assert (t.media, t.duration, t.model, t.device, t.compute_type) == (
        "clip.mp4",
        2.0,
        "base",
        "cpu",
        "int8",
    )
    assert imported.repairs == ()


def test_videogrep_list_json() -> None:
    doc = [
        {
            "content": " put  some oil ",
            "start": 1.0,
            "end": 2.0,
            "words": [
                {"word": " put", "start": 1.0, "end": 1.3, "conf": 1.0},
                {"word": "some ", "start": 1.3, "end": 1.6, "conf": 0.5},
                {"word": "oil", "start": 1.6, "end": 2.0, "conf": 7},
            ],
        },
        {"text": "stir", "start": 2.5, "end": 3.0},
    ]
    imported = parse_transcript(json.dumps(doc))
    first, second = imported.transcript.narration.segments
    assert (first.text, second.text) == ("put some oil", "stir")
    assert [(w.text, w.confidence) for w in first.words] == [
        ("put", 1.0),
        ("some", 0.5),
        ("oil", None),  # outside [0, 1]: not a probability, so unknown
    ]
    assert imported.transcript.narration.source == "json"


def test_whisper_json_words_are_clipped_and_monotone() -> None:
    doc = {
        "text": " Put oil. [Music] Stir.",
        "language": "en",
        "segments": [
            {
                "start": 1.0,
                "end": 2.0,
                "text": " Put oil.",
                "words": [
                    {"word": " Put", "start": 0.8, "end": 1.5, "probability": 0.9},
                    {"word": " oil.", "start": 1.4, "end": 2.6, "probability": 0.8},
                ],
            },
            {"start": 2.0, "end": 3.0, "text": " [Music]"},
            {"start": -0.5, "end": 4.0, "text": " Stir.", "words": []},
        ],
    }
    imported = parse_transcript(json.dumps(doc), media_duration=3.5)
    segments = imported.transcript.narration.segments
    assert [s.text for s in segments] == ["Stir.", "Put oil."]
    assert imported.transcript.narration.language == "en"
    words = segments[1].words
    assert [(w.text, w.start, w.end) for w in words] == [("Put", 1.0, 1.4), ("oil.", 1.4, 2.0)]
    assert spans(imported) == [(0.0, 1.0), (1.0, 2.0)]  # "Stir." ended where "Put" begins
    for pattern in (r"Moved 1 time before 0 s", r"Dropped 1 segment holding only", "Sorted"):
        assert has_note(imported, pattern), (pattern, imported.repairs)
    assert has_note(imported, r"Moved the times of 2 words")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"segments": [{"start": 0, "end": 1, "text": "a",', r"not valid JSON \(line 1, column"),
        ('{"hello": "world"}', "not a transcript NarrLocal knows"),
        ("[1, 2, 3]", "not a transcript NarrLocal knows"),
        ("[]", "holds no narration segments"),
        ('[{"text": "a", "end": 1}]', r"segment 1 has no 'start' time"),
        ('[{"text": "a", "start": "0", "end": 1}]', r"'start' must be a number"),
        ('[{"text": "a", "start": 1e999, "end": 1}]', r"not a finite number"),
        ('[{"text": "a", "start": 0, "end": 1, "words": 3}]', r"'words' is not a list"),
        ('[{"text": "[Music]", "start": 0, "end": 1}]', "holds no spoken text"),
        ('{"format": "narrlocal-transcript", "version": 99, "segments": []}', "newer NarrLocal"),
        ("[" * 100_000, r"not (valid )?JSON"),
    ],
)
def test_bad_json_is_a_clear_error(content: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message) as info:
        parse_transcript(content, kind=TranscriptKind.JSON, name="'t.json'")
    assert "'t.json'" in str(info.value)


# --- plain text -----------------------------------------------------------------------------


def test_plain_text_is_cleaned_for_alignment(tmp_path: Path) -> None:
    raw = "\ufeff  Put some  oil\tinto a pan.\r\n(Carefully!)\r\n\r\n"
    raw += "0:42\r\n[Music]\r\nAdd onions. \r\n"
    imported = read_transcript(write(tmp_path, "script.txt", raw.encode("utf-8")))
    assert imported.kind is TranscriptKind.TEXT
    assert imported.needs_alignment
    assert imported.text == "Put some oil into a pan. (Carefully!)\nAdd onions."
    narration = imported.transcript.narration
    assert (narration.segments, narration.source, narration.language) == ((), "text", None)
    assert has_note(imported, "Removed 1 line holding only a time")
    assert has_note(imported, "Removed 1 sound description")


def test_plain_text_without_words_is_refused() -> None:
    with pytest.raises(TranscriptError, match="holds no words to align"):
        parse_transcript("[Music]\n\n♪ ♪\n", kind=TranscriptKind.TEXT)
    with pytest.raises(TranscriptError, match="The transcript is empty"):
        parse_transcript(" \n\ufeff\t")


def test_imported_transcript_validates() -> None:
    empty = Transcript(Narration((), source="text"))
    with pytest.raises(ValueError):
        ImportedTranscript(TranscriptKind.TEXT, empty, "  ")
    with pytest.raises(ValueError):
        ImportedTranscript(TranscriptKind.SRT, empty, "text")
    with pytest.raises(TypeError):
        ImportedTranscript("srt", empty, "text")  # type: ignore[arg-type]


# --- encodings ----------------------------------------------------------------------------

CAFE_SRT = "1\n00:00:01,000 --> 00:00:02,000\nUn café, s’il vous plaît.\n"


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (CAFE_SRT.encode("utf-8"), None),
        (b"\xef\xbb\xbf" + CAFE_SRT.encode("utf-8"), None),
        (b"\xff\xfe" + CAFE_SRT.encode("utf-16-le"), None),
        (b"\xfe\xff" + CAFE_SRT.encode("utf-16-be"), None),
        (b"\xff\xfe\x00\x00" + CAFE_SRT.encode("utf-32-le"), None),
        (CAFE_SRT.encode("utf-16-le"), "UTF-16-LE"),
        (CAFE_SRT.replace("\n", "\r\n").encode("cp1252"), "Windows-1252"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, note: str | None) -> None:
    imported = read_transcript(write(tmp_path, "cafe.srt", data))
    assert texts(imported) == ["Un café, s’il vous plaît."]
    assert has_note(imported, note) if note else imported.repairs == ()
    assert decode_transcript_bytes(data, "'cafe.srt'").lstrip("\ufeff").startswith("1")


def test_latin1_fallback_when_not_cp1252() -> None:
    # 0x81 is unassigned in Windows-1252; Latin-1 reads every byte.
    text = decode_transcript_bytes("café ".encode("latin-1") + b"\x81", "'x.txt'")
    assert text == "café \x81"


# --- refusals -------------------------------------------------------------------------------


def test_missing_folder_empty_huge_and_binary_files(tmp_path: Path) -> None:
    cases: list[tuple[Path, str]] = [
        (tmp_path / "nope.srt", r"no such file"),
        (tmp_path, r"is a folder"),
        (write(tmp_path, "empty.srt", b""), r"'empty\.srt' is empty"),
        (write(tmp_path, "blank.vtt", b"\xef\xbb\xbf \n\n"), r"'blank\.vtt' is empty"),
        (write(tmp_path, "nocues.srt", "just words\n"), r"'nocues\.srt' holds no subtitle cues"),
        (write(tmp_path, "nocues.vtt", "WEBVTT\n\nNOTE x\n"), r"holds no subtitle cues"),
        (
            write(tmp_path, "movie.srt", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" * 50),
            r"'movie\.srt' is not a text file",
        ),
        (write(tmp_path, "noise.srt", bytes(range(1, 32)) * 20), r"is not a text file"),
        (write(tmp_path, "bad16.srt", b"\xff\xfe\x00\xd8a"), r"not valid UTF-16"),
    ]
    huge = tmp_path / "huge.srt"
    with huge.open("wb") as f:
        f.truncate(MAX_TRANSCRIPT_BYTES + 1)  # sparse: costs no disk or time
    cases.append((huge, r"too large for a transcript"))
    for path, message in cases:
        with pytest.raises(TranscriptError, match=message):
            read_transcript(path)
    with pytest.raises(TranscriptError, match="too large"):
        decode_transcript_bytes(b" " * (MAX_TRANSCRIPT_BYTES + 1), "'x'")


def test_errors_are_one_sentence_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(TranscriptError) as info:
        read_transcript(write(tmp_path, "nocues.srt", "just words\n"))
    message = str(info.value)
    assert issubclass(TranscriptError, UserFacingError)
    assert "'nocues.srt'" in message
    assert message.startswith("'nocues.srt' ") and message.endswith(".") and "\n" not in message


# --- fuzz ---------------------------------------------------------------------------------


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 12)):
        op = rng.randrange(5)
        at = rng.randrange(len(chars) + 1)
        if op == 0 and chars:
            del chars[min(at, len(chars) - 1)]
        elif op == 1:
            chars.insert(at, rng.choice('0123456789:,.->\n <>[]{}"♪\x00\ufeff&;'))
        elif op == 2:
            cut = rng.randrange(len(chars) + 1)
            chars = chars[:cut]
        elif op == 3 and chars:
            lo = rng.randrange(len(chars))
            chars[lo : lo + 3] = chars[lo : lo + 3][::-1]
        else:
            lo = rng.randrange(len(chars) + 1)
            chars[lo:lo] = chars[max(0, lo - 40) : lo]  # repeat a stretch
    return "".join(chars)


def test_fuzz_only_transcript_errors(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    seeds = [
        SRT,
        VTT,
        ROLLING_VTT,
        json.dumps([{"content": "a b", "start": 0, "end": 1, "words": [{"word": "a"}]}]),
        json.dumps({"segments": [{"start": 0, "end": 1, "text": "a", "words": []}]}),
        '{"format": "narrlocal-transcript", "version": 1, "segments": '
        '[{"start": 0, "end": 1, "text": "a", "words": [{"word": "a", "start": 0, "end": 1}]}]}',
        "Put some oil into a pan.\n\n[Music]\n",
    ]
    suffixes = [*TRANSCRIPT_SUFFIXES, ".bin"]
    outcomes = {"ok": 0, "error": 0}
    for case in range(200):
        if case % 4 == 0:
            data = rng.randbytes(rng.randrange(0, 400))
        else:
            text = _mutate(rng, rng.choice(seeds))
            data = text.encode(rng.choice(["utf-8", "utf-16", "utf-8-sig"]), "surrogatepass")
        path = tmp_path / f"case{case}{rng.choice(suffixes)}"
        path.write_bytes(data)
        duration = rng.choice([None, 0.5, 3.0])
        try:
            imported = read_transcript(path, media_duration=duration)
        except TranscriptError as exc:
            assert str(exc) and "\n" not in str(exc)
            outcomes["error"] += 1
        else:
            outcomes["ok"] += 1
            for s in imported.transcript.narration.segments:
                assert 0 <= s.start <= s.end and (duration is None or s.end <= duration)
                assert all(s.start <= w.start <= w.end <= s.end for w in s.words)
    # Both branches must be exercised, or the test proves nothing.
    assert outcomes["ok"] > 20 and outcomes["error"] > 20, outcomes


# --- the real auto-captions -----------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", " ", text.casefold()).split()


@pytest.mark.shared
def test_manifesto_srt(shared_media: Path) -> None:
    imported = read_transcript(shared_media / "narrated" / "manifesto.srt", media_duration=88.0)
    segments = imported.transcript.narration.segments
    assert len(segments) == 37
    assert segments[0].text == "this audiobook is in the public domain"
    assert all(s.words == () for s in segments)
    assert imported.repairs == ()


@pytest.mark.shared
def test_manifesto_vtt_reads_like_the_srt(shared_media: Path) -> None:
    folder = shared_media / "narrated"
    vtt = read_transcript(folder / "manifesto.vtt", media_duration=88.0)
    srt = read_transcript(folder / "manifesto.srt", media_duration=88.0)
    assert vtt.kind is TranscriptKind.VTT
    assert vtt.transcript.narration.language == "en"
    assert has_note(vtt, r"Merged 73 rolling caption cues into 37")
    vtt_words, srt_words = _words(vtt.text), _words(srt.text)
    ratio = difflib.SequenceMatcher(None, vtt_words, srt_words, autojunk=False).ratio()
    assert ratio > 0.98, ratio
    # No spoken line twice: consecutive segments never repeat one another.
    texts_ = texts(vtt)
    assert all(a != b for a, b in itertools.pairwise(texts_))
    # Cue by cue, the segments start where the SRT's do (to YouTube's 10 ms flash cues).
    assert len(texts_) == len(texts(srt))
    assert max(abs(a[0] - b[0]) for a, b in zip(spans(vtt), spans(srt), strict=True)) <= 0.011


@pytest.mark.shared
def test_manifesto_vtt_word_times_agree_with_the_asr_json(shared_media: Path) -> None:
    folder = shared_media / "narrated"
    vtt = read_transcript(folder / "manifesto.vtt")
    asr = read_transcript(folder / "manifesto.json")
    assert asr.kind is TranscriptKind.JSON
    vw = [w for s in vtt.transcript.narration.segments for w in s.words]
    jw = [w for s in asr.transcript.narration.segments for w in s.words]
    assert len(vw) > 180 and len(jw) > 180
    matcher = difflib.SequenceMatcher(
        None, [w.text.casefold() for w in vw], [w.text.casefold() for w in jw], autojunk=False
    )
    deltas = [
        abs(vw[b.a + i].start - jw[b.b + i].start)
        for b in matcher.get_matching_blocks()
        for i in range(b.size)
    ]
    assert len(deltas) > 150
    # Measured: median 0.10 s over 180 matched words (YouTube's times vs. a separate ASR).
    assert statistics.median(deltas) < 0.15


@pytest.mark.shared
def test_manifesto_json_and_a_renamed_video(shared_media: Path) -> None:
    folder = shared_media / "narrated"
    asr = read_transcript(folder / "manifesto.json", media_duration=88.0)
    segments = asr.transcript.narration.segments
    assert len(segments) == 31
    assert segments[0].words[1].text == "audiobook"
    assert segments[0].words[1].confidence == pytest.approx(0.89168)
    with pytest.raises(TranscriptError, match=r"'manifesto\.mp4' is not a text file"):
        read_transcript(folder / "manifesto.mp4")
