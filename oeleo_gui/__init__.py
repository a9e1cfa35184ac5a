"""oeleo-gui: keeps an instrument PC's data files copied to the lab's data server."""

from __future__ import annotations

__version__ = "0.1.0"
