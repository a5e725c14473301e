"""Errors the user is meant to read.

Every failure a user can cause (a bad file, a missing file, a newer project) is raised as a
:class:`UserFacingError` whose message is one complete sentence naming the file and what to
do. The CLI prints it on one line and exits non-zero; the GUI shows it in a dialog. Anything
else reaching the top is a bug.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """A failure caused by the input, with a message fit to show as is."""


class MediaError(UserFacingError):
    """A media file that cannot be opened or decoded."""


class ProjectFileError(UserFacingError):
    """A project file that cannot be read or written."""


class ProjectVersionError(ProjectFileError):
    """A project file written by a newer NarrLocal."""


class ExportError(UserFacingError):
    """An export that cannot be written: missing video facts, an existing file, a bad folder."""
