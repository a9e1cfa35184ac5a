"""Database keys (POSIX-style paths relative to a folder) as this system's paths.

`native` and `native_prefix` avoid pathlib on purpose: they run several times per copied file.
"""

from __future__ import annotations

import os
from pathlib import Path


def source_path(root: Path, rel_path: str) -> Path:
    return root.joinpath(*rel_path.split("/"))


def native_prefix(root: Path) -> str:
    """`str(root)` ending in a separator: `native_prefix(root) + native(rel)` is the path."""
    text = str(root)
    return text if text.endswith(os.sep) else text + os.sep


def native(rel_path: str) -> str:
    """A POSIX-style relative path with this system's separators (no pathlib: hot paths)."""
    return rel_path if os.sep == "/" else rel_path.replace("/", os.sep)
