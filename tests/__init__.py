"""NarrLocal tests (a package so that shared helpers import as ``tests.media_factory``)."""
