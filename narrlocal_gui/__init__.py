"""NarrLocal: find when and where each narrated phrase happens in a video, show it, correct it."""

__version__ = "0.1.0"
