"""From bytes to text (byte-order marks, UTF-16 without one, legacy code pages, binary data
refused) and which kind of transcript the text is (its content can overrule the file name)."""

from __future__ import annotations

import re

from narrlocal_gui.narration.transcripts.imported import MAX_TRANSCRIPT_BYTES, TranscriptKind
from narrlocal_gui.narration.transcripts.messages import binary_error, error, too_big_error

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    # UTF-32 LE before UTF-16 LE: its BOM starts with the UTF-16 LE one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# C0 and C1 control characters other than whitespace: rare in text, common in binary data.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def decode_text(data: bytes, name: str) -> tuple[str, str | None]:
    """The text and, when it was not UTF-8, a note saying how it was read."""
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise too_big_error(name, len(data))
    note = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise error(
                    f"{name} starts like {codec.upper()} text but is not valid {codec.upper()}; "
                    "save it again as UTF-8."
                ) from None
            break
    else:
        codec16 = _bomless_utf16(data)
        if codec16 is not None:
            try:
                text = data.decode(codec16)
            except UnicodeDecodeError:
                raise binary_error(name) from None
            note = f"Read {name} as {codec16.upper()} text (it has no byte-order mark)."
        elif b"\x00" in data:
            raise binary_error(name)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = data.decode("cp1252")
                    note = f"Read {name} as Windows-1252 text because it is not valid UTF-8."
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
                    note = f"Read {name} as Latin-1 text because it is not valid UTF-8."
    bad = len(CONTROL_CHARS.findall(text))
    # A stray control character (a DOS end-of-file mark) is tolerated; many are binary data.
    if bad > max(3, len(text) // 1000):
        raise binary_error(name)
    return text, note


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text has a zero in every other byte."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    half = len(sample) // 2
    even_zeros = sample[0::2].count(0) / half
    odd_zeros = sample[1::2].count(0) / half
    if odd_zeros > 0.9 and even_zeros < 0.1:
        return "utf-16-le"
    if even_zeros > 0.9 and odd_zeros < 0.1:
        return "utf-16-be"
    return None


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_SRT_TIMING = re.compile(r"^[ \t]*\d+:\d+:\d+,\d+[ \t]*-->", re.MULTILINE)
_DOT_TIMING = re.compile(r"^[ \t]*(?:\d+:)?\d+:\d+\.\d+[ \t]*-->", re.MULTILINE)
_JSON_START = re.compile(r"\s*(?:\{|\[\s*[\[\{\]\"])")


def sniff_kind(text: str) -> tuple[TranscriptKind, bool]:
    """The kind the content looks like, and whether that is certain enough to overrule a
    file's suffix. Timings with dots and no header may be SRT or WebVTT, so not certain."""
    head = text.lstrip()
    if head.startswith("WEBVTT"):
        return TranscriptKind.VTT, True
    if _JSON_START.match(head):
        return TranscriptKind.JSON, True
    if _SRT_TIMING.search(text):
        return TranscriptKind.SRT, True
    if _DOT_TIMING.search(text):
        # webvtt-py reads both SRT-with-dots and header-less WebVTT (a header is added).
        return TranscriptKind.VTT, False
    return TranscriptKind.TEXT, False


def kind_for_file(
    text: str, suffix_kind: TranscriptKind | None, name: str, notes: list[str]
) -> TranscriptKind:
    text = text.lstrip("\ufeff")
    sniffed, certain = sniff_kind(text)
    if suffix_kind is None:
        if sniffed is TranscriptKind.TEXT and "[Script Info]" in text[:4096]:
            raise error(
                f"{name} is an SSA/ASS subtitle file, which NarrLocal does not import; "
                "convert it to SRT or WebVTT first."
            )
        return sniffed
    if sniffed is suffix_kind or not certain:
        return suffix_kind
    notes.append(f"Read {name} as {sniffed.label}, which its content is, despite its name.")
    return sniffed
