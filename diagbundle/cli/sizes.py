"""Byte counts as the CLI prints them (``collect`` and ``upload`` alike).

A module of its own because ``collect`` imports ``upload`` (to print an
upload's result), so ``upload`` cannot import this from ``collect``.
"""

from __future__ import annotations


def human_size(n: float) -> str:
    """``n`` bytes in decimal units, as file managers show them: ``950 B``, ``1.2 KB``, ``5.6 GB``."""
    for unit in ("B", "KB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"
