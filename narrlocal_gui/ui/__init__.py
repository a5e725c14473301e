"""Qt widgets, dialogs, undo commands and worker threads: the only package that imports Qt."""
