"""Draws indicators onto numpy frames, for the player and the exporter alike (no Qt)."""

from narrlocal_gui.render.compose import render_indicators

__all__ = ["render_indicators"]
