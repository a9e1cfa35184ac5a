"""`doctor` (check the configuration and reach the destination) and `trust-host`."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable

from oeleo_gui.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, make_engine
from oeleo_gui.engine.bookkeeping.store import FileListStore
from oeleo_gui.engine.errors import OeleoError
from oeleo_gui.engine.logsetup import configure_logging
from oeleo_gui.engine.settings.config import Settings, preflight_problems
from oeleo_gui.engine.units import format_size


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    problems = 0

    def report(ok: bool, what: str, hint: str = "") -> None:
        nonlocal problems
        problems += not ok
        print(f"{'ok ' if ok else 'BAD'}  {what}")
        if hint and not ok:
            print(f"      {hint}")

    warnings = list(settings.ignored)  # a misspelt name: not fatal, but it does nothing
    report(True, f"configuration read from {settings.env_file or 'the environment'}")
    for warning in warnings:
        print(f"WARN {warning}")
    folder_problems = preflight_problems(settings)
    for p in folder_problems:
        report(False, str(p))
    try:
        if any(p.key == "OELEO_DB_NAME" for p in folder_problems):
            pass  # said above; nothing is opened that is not a database file
        else:
            _report_database(settings, report)
    except OeleoError as exc:
        report(False, exc.title, exc.hint)
    report(True, f"log file {configure_logging(settings.log_dir, secrets=settings.secrets())}")
    engine = make_engine(settings)
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
    if settings.source.is_dir():
        n = len(engine.scan())
        report(True, f"{n} file(s) in {settings.source} match: {engine.filter.describe()}")
        if n == 0:
            warnings.append("no file in the source folder matches the filters")
            print(
                "WARN no file in the source folder matches: check OELEO_FILTER_EXTENSION and "
                "the other filters (extensions are separated by ;)"
            )
    if problems:
        print(f"{problems} problem(s) found.")
    elif warnings:
        print(f"No problems found, but {len(warnings)} warning(s): see WARN above.")
    else:
        print("All checks passed.")
    return EXIT_OK if not problems else EXIT_FAILED


def _report_database(settings: Settings, report: Callable[[bool, str], None]) -> None:
    with FileListStore(settings.db_path) as store:
        counts = store.code_counts()
        msg = f"database {settings.db_path}: {sum(counts.values())} file(s)"
        if store.recovered_from:
            msg += f" (a corrupt one was moved to {store.recovered_from.name})"
        report(True, msg)


def cmd_trust_host(args: argparse.Namespace, settings: Settings) -> int:
    from oeleo_gui.engine.connectors.ssh import hostkeys
    from oeleo_gui.engine.settings.paths import app_known_hosts_file

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
