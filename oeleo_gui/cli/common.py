"""What every command shares: exit codes, finding and reading the configuration, the engine.

Exit codes: 0 all went well, 1 some files failed or the destination stopped the run, 2 a
configuration or usage error (a message, never a traceback), 3 another oeleo-gui run was copying
with the same database, so this run was skipped (not a fault: try again later).
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import TYPE_CHECKING

from oeleo_gui.engine.errors import ConfigError
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.settings.config import Settings, load_settings
from oeleo_gui.engine.settings.paths import env_file_candidates, find_env_file

if TYPE_CHECKING:
    from oeleo_gui.engine.worker import Engine

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SKIPPED = 0, 1, 2, 3


def load_cli_settings(args: argparse.Namespace) -> Settings:
    """The settings for a command; for the commands that copy or read the database, the folders
    are checked too, so every configuration problem is reported at once, before anything is
    opened (`doctor` reports them itself, one by one)."""
    env_file = find_env_file(args.env)
    try:
        return load_settings(
            env_file,
            check_folders=args.command not in ("doctor", "trust-host"),
            with_secrets=_connects(args),
        )
    except ConfigError as exc:
        if env_file is None:
            looked = ", ".join(str(p) for p in env_file_candidates())
            exc.hint = f"No .env file was found (looked in: {looked}). {exc.hint}"
        raise


def _connects(args: argparse.Namespace) -> bool:
    """Does the command reach the destination (and so need its password)? `status` only with
    --check, `files` never."""
    if args.command == "status":
        return bool(getattr(args, "check", False))
    return args.command != "files"


def make_engine(settings: Settings) -> Engine:
    from oeleo_gui.engine.worker import Engine

    return Engine(settings)


def install_interrupt(cancel: CancelToken) -> None:
    def handler(signum: int, frame: object) -> None:
        print("\nStopping after the current chunk…", file=sys.stderr)
        cancel.cancel()

    signal.signal(signal.SIGINT, handler)
