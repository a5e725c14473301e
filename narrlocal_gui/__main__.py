"""``python -m narrlocal_gui``: the desktop application (same as ``narrlocal-gui``)."""

from __future__ import annotations

import sys

from narrlocal_gui.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
