"""Data model, project file, playback clock and edit operations (no Qt, no torch)."""
