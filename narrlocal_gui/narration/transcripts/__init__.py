"""Transcript import: SRT, WebVTT, JSON and plain text become one transcript.

:mod:`.reader` is the entry point (``read_transcript``, ``parse_transcript``); the other
modules are its parts, each importing only those listed after it:

- ``reader``: a file or a text in, an :class:`~.imported.ImportedTranscript` out
- ``json_formats``: NarrLocal, segment-list and Whisper JSON
- ``srt_vtt``: SRT and WebVTT cues, rolling captions, inline word times
- ``plain_text``: text without times, cleaned for the aligner
- ``repairs``: the repairs every timed kind goes through
- ``cue_text``: markup, inline timestamps, sound descriptions
- ``decoding``: bytes to text, and which kind the text is
- ``messages``: the sentences a failed import says
- ``imported``: the kinds of transcript and the result of an import
"""
