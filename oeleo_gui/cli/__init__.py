"""The `oeleo-gui` command line: the tray (no command) and sync, check, preview, files, lock,
unlock, doctor, trust-host and lab for scheduled tasks and servers, on the same engine.

`entry.main` parses the arguments and runs one command; `parser` builds the parser; the
commands live by group (`run_commands`, `file_commands`, `doctor`, `tray`, `lab_command`),
printing in `output`. Imports the engine, never the other way round; Qt only through `tray`,
when the tray starts; the web page (`server`) only for `lab --serve`. Exit codes are in
`common`.
"""

from oeleo_gui.cli.entry import main

__all__ = ["main"]
