"""Starting the tray (no command): with a display the Qt tray, without one the headless schedule.

Qt is imported only here, and only when the tray starts.
"""

from __future__ import annotations

import argparse
import os
import sys

from oeleo_gui.cli.common import EXIT_USAGE


def has_display(environ: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Whether a desktop can show a window: always on Windows and macOS; on Linux and other
    Unixes only with an X11 or Wayland display (a server or a boot-time task has none)."""
    env = dict(os.environ) if environ is None else environ
    if platform.startswith(("win", "darwin")) or env.get("QT_QPA_PLATFORM"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def cmd_tray(args: argparse.Namespace) -> int:
    headless = args.headless
    if not headless and not has_display():
        # Qt would abort without a display; run the same schedule with log-only reporting.
        print(
            "No desktop display found: running without a tray (log only). Stop with Ctrl+C.",
            file=sys.stderr,
        )
        headless = True
    try:
        from oeleo_gui.gui.app import run_tray
    except ImportError as exc:
        print(f"The tray application is not available: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return run_tray(args.env, demo=args.demo, headless=headless)
