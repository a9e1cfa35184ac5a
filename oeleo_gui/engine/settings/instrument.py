"""This instrument's name in the lab overview (`OELEO_INSTRUMENT_NAME`), and its file name.

The name is shown to lab managers as typed; the status record's file name on the destination is a
sanitised form of it, safe on Windows, Linux and SharePoint (no separators, no reserved names,
no leading dot, bounded length). The default is the computer's name.
"""

from __future__ import annotations

import platform
import re

MAX_NAME_CHARS = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")  # anything else becomes `_`
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
FALLBACK_NAME = "instrument"


def computer_name() -> str:
    """The computer's network name (`COMPUTERNAME` on Windows), or a fallback when unknown."""
    return platform.node().strip() or FALLBACK_NAME


def instrument_file_stem(name: str) -> str:
    """`Cycler #3 (old)` -> `Cycler _3 _old_`: a file name without separators or reserved names."""
    stem = _UNSAFE.sub("_", name.strip())
    stem = stem.strip(" .")[:MAX_NAME_CHARS].strip(" .")  # Windows drops trailing dots/spaces
    if not stem:
        return FALLBACK_NAME
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return stem
