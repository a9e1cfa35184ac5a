"""The argument parser: global options and one sub-parser per command."""

from __future__ import annotations

import argparse
from pathlib import Path

from oeleo_gui import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oeleo-gui",
        description="Keep an instrument PC's data files copied to the lab's data server.",
        epilog="Without a command the tray application starts.",
    )
    parser.add_argument("--version", action="version", version=f"oeleo-gui {__version__}")
    parser.add_argument("--env", type=Path, metavar="FILE", help="the .env file to use")
    parser.add_argument("--headless", action="store_true", help="run the schedule without a tray")
    parser.add_argument("--demo", action="store_true", help="start with a ready-made demo setup")
    parser.add_argument("-v", "--verbose", action="store_true", help="log decisions (DEBUG)")
    # `oeleo-gui sync --env F` is what people type: the options that come before the command
    # are taken after it too (SUPPRESS: not given there, the value from before it stays).
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument(
        "--env", type=Path, metavar="FILE", default=argparse.SUPPRESS, help="the .env file to use"
    )
    after.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log decisions"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[after])

    p = command("sync", help="copy new and changed files once (or --loop on the schedule)")
    p.add_argument("--loop", action="store_true", help="keep running on the OA_* schedule")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p = command("check", help="compare the source with the destination")
    p.add_argument("--update-db", action="store_true", help="write codes 0/1 (locks stay)")
    p.add_argument("--full", action="store_true", help="compare checksums even if slow")
    p.add_argument("--json", action="store_true")
    p = command("preview", help="say what a sync would copy and why; touches nothing")
    p.add_argument("--json", action="store_true")
    p = command("files", help="list the bookkeeping database")
    p.add_argument("--code", type=int, choices=[0, 1, 2], help="only rows with this code")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    p = command("lock", help="never copy these files (code 2)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p = command("unlock", help="copy these files again when they change (code 1)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p = command(
        "status",
        help="is the data safe? (exit 0 safe, 1 act, 2 configuration, 3 on its way, 4 paused)",
    )
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--check", action="store_true", help="also compare with the destination")
    command("doctor", help="check the configuration and reach the destination")
    p = command("trust-host", help="trust the SSH server's host key after comparing it")
    p.add_argument("--fingerprint", help="the SHA256:… fingerprint you expect (non-interactive)")
    _add_lab(sub)
    return parser


def _add_lab(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "lab",
        help="every instrument's status, from the records on the data server (exit 0: all safe)",
        description="The lab overview: one row per instrument that writes its status record to "
        "<destination>/.oeleo/status. Exit code 0 when every instrument is safe, 1 when one is "
        "behind, in error, silent or unreadable (or none has reported), 2 for a usage error.",
    )
    p.add_argument(
        "--dir",
        action="append",
        type=Path,
        metavar="FOLDER",
        help="a destination folder (holding .oeleo/status) on this computer or a share; "
        "repeat it for several; default: the configured destination, through its connection",
    )
    p.add_argument("--json", action="store_true", help="print the overview as JSON")
    p.add_argument("--serve", action="store_true", help="serve the table as a read-only web page")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address the page listens on (default 127.0.0.1: this computer only; 0.0.0.0: all)",
    )
    p.add_argument("--port", type=int, default=8765, help="port of the page (default 8765)")
    p.add_argument(
        "--refresh", type=float, default=30.0, metavar="SECONDS", help="page refresh (default 30)"
    )
