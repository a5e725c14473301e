"""Decoding with exact seeking, frame cache, audio decode and output (no Qt)."""
