"""Sizes and durations in words for people; the command line, the windows and the lab overview
print them the same way."""

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


def format_duration(seconds: float) -> str:
    """`90` -> `2 min`, `5400` -> `1.5 h`, `200000` -> `2 days`: rounded, for ages and intervals."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86400:
        hours = f"{seconds / 3600:.1f}".removesuffix(".0")
        return f"{hours} h"
    return f"{round(seconds / 86400)} days"
