"""Finding `resources/` (icons) in a checkout, an installed wheel and a PyInstaller bundle.

Imports only the stdlib, so it works before Qt is loaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_ICON = "oeleo-gui"


def resource_roots() -> list[Path]:
    """The places `resources/` may be, in the order they are tried."""
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:  # PyInstaller: data files are unpacked beside the modules
        roots.append(Path(bundle) / "resources")
    roots.append(Path(__file__).resolve().parents[2] / "resources")  # a checkout
    # a wheel: [tool.setuptools.data-files] puts them under <prefix>/share/oeleo-gui/
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        roots.append(Path(prefix) / "share" / "oeleo-gui" / "resources")
    return roots


def resources_dir() -> Path | None:
    """The first existing `resources/` folder that holds icons, or None."""
    for root in resource_roots():
        if (root / "icons").is_dir():
            return root
    return None


def icon_path(name: str, *, suffix: str = ".svg") -> Path | None:
    """`resources/icons/<name><suffix>` if it exists (falls back to .png for a missing .svg)."""
    root = resources_dir()
    if root is None:
        return None
    for candidate in (root / "icons" / f"{name}{suffix}", root / "icons" / f"{name}.png"):
        if candidate.is_file():
            return candidate
    return None
