"""The ``narrlocal`` command line: :mod:`~narrlocal_gui.cli.main` parses the command line
and runs one command; each command is a module named for it (``info``, ``demo``,
``check``, ``frame``, ``narration`` for ``transcribe`` and ``align``, ``localize``,
``export``, ``synth``, ``train``, ``eval``). ``arguments`` holds the argument types they
share, ``output`` the output-file check and the progress lines, ``exit_codes`` the exit
codes.

Nothing is imported here, so that importing one command does not import the others.
"""
