"""Identifiers for phrases and indicators: short, unique, stable across saves."""

from __future__ import annotations

import uuid


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
