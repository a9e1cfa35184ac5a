"""Start at login, off by default: an XDG autostart entry on Linux, HKCU Run value on Windows.

Each platform sits in its own pair of functions; `is_supported`, `is_enabled` and `set_enabled`
pick one. The command re-runs this program (the frozen exe, or `python -m oeleo_gui`) with the
`--env` in use, so the login start uses the same configuration. Imports only the stdlib.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

ENTRY_NAME = "oeleo-gui"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def launch_command(env_file: Path | None) -> list[str]:
    """The command a login start runs."""
    if getattr(sys, "frozen", False):
        command = [sys.executable]
    else:
        command = [sys.executable, "-m", "oeleo_gui"]
    if env_file is not None:
        command += ["--env", str(env_file)]
    return command


def is_supported() -> bool:
    return sys.platform == "win32" or sys.platform.startswith("linux")


def is_enabled() -> bool:
    if sys.platform == "win32":
        return _windows_get() is not None
    if sys.platform.startswith("linux"):
        return _desktop_file().is_file()
    return False


def set_enabled(enabled: bool, env_file: Path | None = None) -> None:
    """Turn the login start on or off. Raises OSError when the entry cannot be written."""
    command = launch_command(env_file)
    if sys.platform == "win32":
        _windows_set(subprocess.list2cmdline(command) if enabled else None)
    elif sys.platform.startswith("linux"):
        _desktop_set(command if enabled else None)
    else:
        raise OSError("Starting at login is not supported on this system.")
    log.info("start at login %s", "enabled" if enabled else "disabled")


# --- Linux: ~/.config/autostart/oeleo-gui.desktop ------------------------------------------------
def _desktop_file() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "autostart" / f"{ENTRY_NAME}.desktop"


def _desktop_set(command: list[str] | None) -> None:
    path = _desktop_file()
    if command is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=oeleo-gui\n"
        "Comment=Keeps the instrument's data files copied to the data server\n"
        f"Exec={shlex.join(command)}\n"
        "Icon=oeleo-gui\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n",
        encoding="utf-8",
    )


# --- Windows: HKCU\...\Run "oeleo-gui" (no .lnk needed) ------------------------------------------
def _windows_get() -> str | None:
    import winreg  # type: ignore[import-not-found,unused-ignore]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            value, _kind = winreg.QueryValueEx(key, ENTRY_NAME)
            return str(value)
    except FileNotFoundError:
        return None


def _windows_set(command_line: str | None) -> None:
    import winreg  # type: ignore[import-not-found,unused-ignore]

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
        if command_line is None:
            with contextlib.suppress(FileNotFoundError):
                winreg.DeleteValue(key, ENTRY_NAME)
        else:
            winreg.SetValueEx(key, ENTRY_NAME, 0, winreg.REG_SZ, command_line)
