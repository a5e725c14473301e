"""Exports of a project: the annotated video and stills (``video_export``) and the annotation
exchange formats (``annotation_formats``); no Qt.

Importing the package loads nothing heavy: callers import the module they need.
"""
