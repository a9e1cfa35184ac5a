"""`python -m oeleo_gui` runs the command line (and the tray when no subcommand is given)."""

from __future__ import annotations

from oeleo_gui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
