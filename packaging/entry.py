"""The PyInstaller entry script of both executables in `dist/oeleo-gui/` (see `build_exe.spec`).

It only calls `oeleo_gui.cli.main()`, so the executables take exactly the options of the installed
`oeleo-gui` command, and a double-click (no arguments) starts the tray.

`oeleo-gui.exe` is a windowed (GUI-subsystem) program on Windows: no console window opens on a
double-click, but Windows also gives it no stdout/stderr, so `oeleo-gui.exe --version` typed in a
console would print nothing. When it is started with arguments and has no output streams, it
attaches to the console of the program that started it (`AttachConsole(ATTACH_PARENT_PROCESS)`)
and writes there. That console does not wait for a windowed program, so the prompt may come back
before the output: scripts that read the output use `oeleo-gui-cli.exe`, the console executable
built beside it from the same analysis. Without any console (Explorer, a scheduled task), the
missing streams become null streams, so `print` and `sys.stderr.isatty()` still work and the log
file has the details. On Linux and macOS both executables print normally.
"""

from __future__ import annotations

import sys


def attach_parent_console() -> None:
    """Windows, frozen, windowed, with arguments, no streams: write to the caller's console."""
    if sys.platform != "win32" or not getattr(sys, "frozen", False):
        return
    if len(sys.argv) <= 1:  # a double-click starts the tray: no console wanted
        return
    if sys.stdout is not None and sys.stderr is not None:  # console exe, or redirected output
        return
    import ctypes

    attach_parent_process = -1
    if not ctypes.windll.kernel32.AttachConsole(attach_parent_process):  # type: ignore[attr-defined]
        return  # started from Explorer or a service: there is no console to write to
    # Opened for the life of the process, like the streams Python would have made itself.
    if sys.stdout is None:
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
    if sys.stdin is None:
        sys.stdin = open("CONIN$", encoding="utf-8", errors="replace")  # noqa: SIM115


def fill_missing_streams() -> None:
    """A windowed program without a console has None for sys.stdout/stderr/stdin: null ones."""
    import os

    for name, mode in (("stdout", "w"), ("stderr", "w"), ("stdin", "r")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115


def main() -> int:
    attach_parent_console()
    fill_missing_streams()
    from oeleo_gui.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
