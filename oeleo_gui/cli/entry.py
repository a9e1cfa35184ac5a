"""`oeleo-gui`: parse the command line, read the configuration, run one command.

Each command's module is imported only when that command runs, so a quick command does not pay
for the others' imports (Qt only for the tray).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from oeleo_gui.cli.common import EXIT_FAILED, EXIT_SKIPPED, EXIT_USAGE, load_cli_settings
from oeleo_gui.cli.parser import build_parser
from oeleo_gui.engine.errors import ConfigError, OeleoError, RunInProgress
from oeleo_gui.engine.events import FileCode
from oeleo_gui.engine.logsetup import configure_logging
from oeleo_gui.engine.settings.config import Settings

log = logging.getLogger(__name__)


def _command(name: str) -> Callable[[argparse.Namespace, Settings], int]:
    """The function behind a command, importing only its own module."""
    if name in ("sync", "check", "preview"):
        from oeleo_gui.cli import run_commands

        return {
            "sync": run_commands.cmd_sync,
            "check": run_commands.cmd_check,
            "preview": run_commands.cmd_preview,
        }[name]
    if name in ("files", "lock", "unlock"):
        from oeleo_gui.cli import file_commands

        return {
            "files": file_commands.cmd_files,
            "lock": lambda a, s: file_commands.cmd_set_code(a, s, FileCode.LOCKED),
            "unlock": lambda a, s: file_commands.cmd_set_code(a, s, FileCode.COPY_IF_CHANGED),
        }[name]
    if name == "lab":
        from oeleo_gui.cli import lab_command

        return lab_command.cmd_lab
    from oeleo_gui.cli import doctor

    return {"doctor": doctor.cmd_doctor, "trust-host": doctor.cmd_trust_host}[name]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. A reader that stops early (`oeleo-gui status --json |
    head`) ends it quietly, without a traceback."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, where a closed pipe can be caught, not at the interpreter's exit
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_FAILED


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from oeleo_gui.cli.tray import cmd_tray

        return cmd_tray(args)
    if args.command == "status":  # answers even without a usable configuration; writes no log
        from oeleo_gui.cli.status_command import cmd_status

        try:
            return cmd_status(args)
        except OeleoError as exc:
            print(f"{exc.title}\n{exc.hint}".rstrip(), file=sys.stderr)
            return EXIT_FAILED
    level = logging.DEBUG if args.verbose else logging.INFO
    settings: Settings | None = None
    logging_to: Path | None = None
    try:
        if args.command == "lab" and args.dir:  # reads folders: no configuration needed
            from oeleo_gui.cli.lab_command import cmd_lab

            configure_logging(None, level=level)
            return cmd_lab(args, None)
        settings = load_cli_settings(args)
        logging_to = configure_logging(settings.log_dir, secrets=settings.secrets(), level=level)
        return int(_command(args.command)(args, settings))
    except ConfigError as exc:
        print(exc.title, file=sys.stderr)
        print(exc.hint, file=sys.stderr)
        return EXIT_USAGE
    except RunInProgress as exc:  # `check` while another process copies: not a fault
        print(f"{exc.title}\n{exc.hint}", file=sys.stderr)
        return EXIT_SKIPPED
    except OeleoError as exc:
        print(f"{exc.title}\n{exc.hint}".rstrip(), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    except Exception as exc:
        from oeleo_gui.engine.bookkeeping.opening import database_problem, is_database_error

        if settings is not None and is_database_error(exc):  # e.g. `lock` on a full disk
            problem = database_problem(settings.db_path, exc)
            print(f"{problem.title}\n{problem.hint}", file=sys.stderr)
            return EXIT_FAILED
        if logging_to is None:  # no log yet: the message is all there is
            print(f"Unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        log.exception("unexpected error")
        print(f"Unexpected error; the details are in the log file ({logging_to}).", file=sys.stderr)
        return EXIT_FAILED


def _quiet_stdout() -> None:
    """Point stdout at nowhere, so Python's own flush at exit raises no second BrokenPipeError
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
