"""Sizes in words for people; the command line and the windows print them the same way."""

from __future__ import annotations


def format_size(size: int | None, missing: str = "") -> str:
    """`1536` -> `1.5 KB` (binary steps, as file managers show them); `missing` for None."""
    if size is None:
        return missing
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
