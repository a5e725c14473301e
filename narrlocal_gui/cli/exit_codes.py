"""The exit codes of the ``narrlocal`` command, one place for the entry point and the
commands that return them.

* 0 - done;
* 1 - ``check`` found problems in a project that could be read (``localize``: a phrase was
  skipped);
* 2 - the input or the command line is at fault (a missing or unreadable file, a damaged or
  newer project, an output that exists without ``--force``): one line on stderr;
* 70 - an internal error (a bug): one line on stderr, the traceback in the log file;
* 130 - interrupted with Ctrl+C (``train``: stopped with its state saved).
"""

from __future__ import annotations

__all__ = [
    "EXIT_INTERNAL_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USER_ERROR",
]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE in sysexits.h
EXIT_INTERRUPTED = 130
