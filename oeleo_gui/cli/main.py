"""The `oeleo-gui` command line: the tray (no subcommand) and sync, check, preview, files, lock,
unlock, doctor and trust-host for scheduled tasks and servers, on the same engine.

Exit codes: 0 all went well, 1 some files failed or the destination stopped the run, 2 a
configuration or usage error (a message, never a traceback). Qt is imported only for the tray.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from oeleo_gui import __version__
from oeleo_gui.cli_output import TerminalReporter, print_json, print_summary
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.config import Settings, load_settings, preflight_problems
from oeleo_gui.engine.errors import ConfigError, OeleoError
from oeleo_gui.engine.events import (
    CancelToken,
    FileCode,
)
from oeleo_gui.engine.logsetup import configure_logging
from oeleo_gui.engine.paths import env_file_candidates, find_env_file
from oeleo_gui.engine.units import format_size

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# --- commands --------------------------------------------------------------------------------
def _settings(args: argparse.Namespace) -> Settings:
    env_file = find_env_file(args.env)
    try:
        return load_settings(env_file)
    except ConfigError as exc:
        if env_file is None:
            looked = ", ".join(str(p) for p in env_file_candidates())
            exc.hint = f"No .env file was found (looked in: {looked}). {exc.hint}"
        raise


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from oeleo_gui.engine.worker import Engine

    return Engine(settings)


def _install_interrupt(cancel: CancelToken) -> None:
    def handler(signum: int, frame: object) -> None:
        print("\nStopping after the current chunk…", file=sys.stderr)
        cancel.cancel()

    signal.signal(signal.SIGINT, handler)


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    cancel = CancelToken()
    _install_interrupt(cancel)
    reporter = TerminalReporter(bar=not args.json)
    try:
        if args.loop:
            from oeleo_gui.engine.runner import run_loop

            summaries = run_loop(
                engine,
                cancel=cancel,
                reporter=reporter,
                on_summary=None if args.json else print_summary,
            )
        else:
            summaries = [engine.sync(reporter, cancel)]
            if not args.json:
                print_summary(summaries[0])
    finally:
        engine.close()
    if args.json:
        print_json(summaries if args.loop else summaries[0])
    if not summaries:
        return EXIT_OK
    last = summaries[-1]
    return EXIT_OK if (last.ok or (last.cancelled and not last.failed)) else EXIT_FAILED


def cmd_preview(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    summary = engine.preview()
    if args.json:
        print_json(summary)
    else:
        print(f"Source: {settings.source}  ({engine.filter.describe()})")
        print_summary(summary)
        if summary.locked:
            print(f"  ({summary.locked} locked file(s) skipped)")
    return EXIT_FAILED if summary.error else EXIT_OK


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    try:
        report = engine.check(update_db=args.update_db, full=args.full)
    finally:
        engine.close()
    if args.json:
        print_json(report)
        return EXIT_OK
    print(f"local files:               {report.local_files}")
    print(f"present at destination:    {len(report.present)}")
    print(f"in sync:                   {len(report.in_sync)}")
    print(f"out of sync:               {len(report.out_of_sync)}")
    print(f"missing at destination:    {len(report.missing)}")
    for name in report.out_of_sync:
        print(f"  out of sync: {name}")
    for name in report.missing:
        print(f"  missing:     {name}")
    for r in report.errors:
        print(f"  unreadable:  {r.rel_path} ({r.reason})")
    if report.swept_temp_files:
        print(f"removed {report.swept_temp_files} stale temporary file(s) at the destination")
    if report.db_updated:
        print("database updated (locked files kept their lock)")
    return EXIT_OK


def cmd_files(args: argparse.Namespace, settings: Settings) -> int:
    code = FileCode(args.code) if args.code is not None else None
    with FileListStore(settings.db_path) as store:
        rows = list(store.rows(code))
    fields = [
        "rel_path",
        "code",
        "status",
        "last_copied",
        "size",
        "checksum",
        "external_name",
        "last_error",
    ]
    records = [
        {
            "rel_path": r.rel_path,
            "code": int(r.code),
            "status": r.code.label,
            "last_copied": r.last_copied.isoformat(timespec="seconds") if r.last_copied else None,
            "size": r.size,
            "checksum": r.checksum,
            "external_name": r.external_name,
            "last_error": r.last_error,
        }
        for r in rows
    ]
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
    elif args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
    else:
        for rec in records:
            when = rec["last_copied"] or "never"
            size = format_size(rec["size"], "-")
            print(
                f"{rec['status']:<20} {when:<20} {size:>9}  {rec['rel_path']}"
                + (f"  !! {rec['last_error']}" if rec["last_error"] else "")
            )
        print(f"{len(records)} file(s) in {settings.db_path}")
    return EXIT_OK


def to_rel_path(path: str, source: Path) -> str:
    """A path typed by a technician (absolute, relative, Windows slashes) -> the database key."""
    candidate = Path(path)
    if not candidate.is_absolute() and candidate.exists():
        candidate = candidate.resolve()  # typed relative to the current folder
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(source.resolve()).as_posix()
        except ValueError:
            raise ValueError(f"{path} is not inside the source folder {source}") from None
    return PurePosixPath(path.replace("\\", "/")).as_posix().removeprefix("./")


def cmd_set_code(args: argparse.Namespace, settings: Settings, code: FileCode) -> int:
    rel_paths = []
    for path in args.paths:
        try:
            rel_paths.append(to_rel_path(path, settings.source))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return EXIT_USAGE
    with FileListStore(settings.db_path) as store:
        store.set_code(rel_paths, code)
    for rel in rel_paths:
        print(f"{code.label}: {rel}")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    problems = 0

    def report(ok: bool, what: str, hint: str = "") -> None:
        nonlocal problems
        problems += not ok
        print(f"{'ok ' if ok else 'BAD'}  {what}")
        if hint and not ok:
            print(f"      {hint}")

    report(True, f"configuration read from {settings.env_file or 'the environment'}")
    for warning in settings.ignored:  # a misspelt name: not fatal, but it does nothing
        print(f"WARN {warning}")
    for p in preflight_problems(settings):
        report(False, str(p))
    try:
        with FileListStore(settings.db_path) as store:
            counts = store.code_counts()
            msg = f"database {settings.db_path}: {sum(counts.values())} file(s)"
            if store.recovered_from:
                msg += f" (a corrupt one was moved to {store.recovered_from.name})"
            report(True, msg)
    except OeleoError as exc:
        report(False, exc.title, exc.hint)
    report(True, f"log file {configure_logging(settings.log_dir, secrets=settings.secrets())}")
    engine = _engine(settings)
    try:
        engine.connector.connect()
        engine.connector.ensure_ready()
        report(True, f"destination {engine.connector.description} is reachable and writable")
        if settings.destination_kind == "local":
            free = shutil.disk_usage(settings.destination).free
            report(
                free > 100 * 1024 * 1024,
                f"free space at the destination: {format_size(free)}",
                "Less than 100 MB free: free some space.",
            )
    except OeleoError as exc:
        report(False, exc.title, exc.hint)
    finally:
        engine.close()
    n = len(engine.scan()) if settings.source.is_dir() else 0
    report(True, f"{n} file(s) in {settings.source} match: {engine.filter.describe()}")
    print("All checks passed." if not problems else f"{problems} problem(s) found.")
    return EXIT_OK if not problems else EXIT_FAILED


def cmd_trust_host(args: argparse.Namespace, settings: Settings) -> int:
    from oeleo_gui.engine import hostkeys
    from oeleo_gui.engine.paths import app_known_hosts_file

    if settings.ssh is None:
        print("The destination is not an SSH server (set OELEO_EXTERNAL_HOST).", file=sys.stderr)
        return EXIT_USAGE
    ssh = settings.ssh
    key_type, fingerprint, key = hostkeys.scan_host_key(ssh.host, ssh.port, 15.0)
    print(f"{ssh.host}:{ssh.port} presents a {key_type} key with fingerprint {fingerprint}")
    if args.fingerprint:
        if args.fingerprint.strip() != fingerprint:
            print("That is NOT the fingerprint you gave; nothing was trusted.", file=sys.stderr)
            return EXIT_FAILED
    elif not sys.stdin.isatty():
        print("Confirm it with --fingerprint SHA256:… (no terminal to ask on).", file=sys.stderr)
        return EXIT_USAGE
    elif input("Compare it with the server's. Trust this key? [y/N] ").strip().lower() not in (
        "y",
        "yes",
    ):
        print("Nothing was trusted.")
        return EXIT_FAILED
    target = ssh.known_hosts or app_known_hosts_file()
    hostkeys.trust_host_key(ssh.host, ssh.port, key, target)
    print(f"Trusted; saved in {target}")
    return EXIT_OK


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


# --- parser ----------------------------------------------------------------------------------
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("sync", help="copy new and changed files once (or --loop on the schedule)")
    p.add_argument("--loop", action="store_true", help="keep running on the OA_* schedule")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p = sub.add_parser("check", help="compare the source with the destination")
    p.add_argument("--update-db", action="store_true", help="write codes 0/1 (locks stay)")
    p.add_argument("--full", action="store_true", help="compare checksums even if slow")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("preview", help="say what a sync would copy and why; touches nothing")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("files", help="list the bookkeeping database")
    p.add_argument("--code", type=int, choices=[0, 1, 2], help="only rows with this code")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    p = sub.add_parser("lock", help="never copy these files (code 2)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p = sub.add_parser("unlock", help="copy these files again when they change (code 1)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    sub.add_parser("doctor", help="check the configuration and reach the destination")
    p = sub.add_parser("trust-host", help="trust the SSH server's host key after comparing it")
    p.add_argument("--fingerprint", help="the SHA256:… fingerprint you expect (non-interactive)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return cmd_tray(args)
    level = logging.DEBUG if args.verbose else logging.INFO
    try:
        settings = _settings(args)
        configure_logging(settings.log_dir, secrets=settings.secrets(), level=level)
        commands = {
            "sync": cmd_sync,
            "check": cmd_check,
            "preview": cmd_preview,
            "files": cmd_files,
            "doctor": cmd_doctor,
            "trust-host": cmd_trust_host,
            "lock": lambda a, s: cmd_set_code(a, s, FileCode.LOCKED),
            "unlock": lambda a, s: cmd_set_code(a, s, FileCode.COPY_IF_CHANGED),
        }
        return int(commands[args.command](args, settings))
    except ConfigError as exc:
        print(exc.title, file=sys.stderr)
        print(exc.hint, file=sys.stderr)
        return EXIT_USAGE
    except OeleoError as exc:
        print(f"{exc.title}\n{exc.hint}".rstrip(), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    except Exception:
        log.exception("unexpected error")
        print("Unexpected error; the details are in the log file (oeleo.log).", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
