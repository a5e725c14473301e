"""``python -m narrlocal_gui.cli``: the ``narrlocal`` command without its console script."""

from narrlocal_gui.cli.main import main

raise SystemExit(main())
