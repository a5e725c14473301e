"""Narration: transcripts in, offline speech recognition with word times, forced alignment of
plain text, and phrase extraction. No Qt here; heavy libraries (faster-whisper, pocketsphinx,
spaCy) are imported inside the functions that use them."""
