"""`sync`, `preview` and `check`: the commands that run the engine against the destination."""

from __future__ import annotations

import argparse
import sys

from oeleo_gui.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SKIPPED,
    install_interrupt,
    make_engine,
)
from oeleo_gui.cli.output import TerminalReporter, print_json, print_summary
from oeleo_gui.engine.errors import visible
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.settings.config import Settings


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings)
    cancel = CancelToken()
    install_interrupt(cancel)
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
    if args.loop and not cancel.is_cancelled and _limit_reached(settings, len(summaries)):
        print(
            f"Stopped after {len(summaries)} runs (OA_MAX_RUN_INTERVALS): no run is scheduled "
            "now, and `oeleo-gui status` says so. Set OA_MAX_RUN_INTERVALS=0 to keep running.",
            file=sys.stderr,
        )
    if not summaries:
        return EXIT_OK
    last = summaries[-1]
    if last.skipped:
        return EXIT_SKIPPED
    if not (last.ok or (last.cancelled and not last.failed)):
        return EXIT_FAILED
    if last.ok and (changed := _destination_changed(settings)):
        print(changed, file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _limit_reached(settings: Settings, runs: int) -> bool:
    limit = settings.max_run_intervals
    return not settings.single_run and limit > 0 and runs >= limit


def _destination_changed(settings: Settings) -> str:
    """Words when the database's rows were written for another destination than the one
    configured now: "unchanged" files there may be missing here, so the run is no success."""
    from oeleo_gui.engine.bookkeeping.meta_keys import META_DESTINATION
    from oeleo_gui.engine.bookkeeping.snapshot import read_snapshot

    snapshot = read_snapshot(settings.db_path)
    recorded = snapshot.meta.get(META_DESTINATION)
    if not recorded or not snapshot.rows or recorded == settings.destination_identity:
        return ""
    return (
        "The destination changed since these files were copied (it was "
        f"{visible(recorded)}): files counted unchanged may be missing at the new one. "
        "Run `oeleo-gui check --update-db`, then `oeleo-gui sync`, to copy what is missing."
    )


def cmd_preview(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings)
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
    """Exit 0 when every selected file is at the destination as it is here (locked files
    aside); 1 when some are missing, differ or could not be read (for scripts and monitors)."""
    engine = make_engine(settings)
    try:
        report = engine.check(update_db=args.update_db, full=args.full)
    finally:
        engine.close()
    differs = bool(report.missing or report.out_of_sync or report.errors)
    if args.json:
        print_json(report)
        return EXIT_FAILED if differs else EXIT_OK
    print(f"local files:               {report.local_files}")
    print(f"present at destination:    {len(report.present)}")
    print(f"in sync:                   {len(report.in_sync)}")
    print(f"out of sync:               {len(report.out_of_sync)}")
    print(f"missing at destination:    {len(report.missing)}")
    if report.locked:
        print(f"locked (never copied):     {len(report.locked)}")
    for name in report.out_of_sync:
        print(f"  out of sync: {visible(name)}")
    for name in report.missing:
        print(f"  missing:     {visible(name)}")
    for r in report.errors:
        print(f"  unreadable:  {visible(r.rel_path)} ({visible(r.reason)})")
    if report.swept_temp_files:
        print(f"removed {report.swept_temp_files} stale temporary file(s) at the destination")
    if report.db_updated:
        print("database updated (locked files kept their lock)")
        if report.missing or report.out_of_sync:
            print("the next sync copies what is missing or differs")
    return EXIT_FAILED if differs else EXIT_OK
