"""`oeleo-gui status [--json] [--check]`: is this instrument's data safe? For people, scheduled
tasks and monitoring tools, which may call it every minute.

The verdict is the engine's (`engine.status.compute_status`): computed from the source folder,
the database (read only) and the settings, with no connection. `--check` also compares with the
destination (`Engine.check`, nothing written); files the database calls copied that are missing
or differ there make the data unsafe too.

Exit codes (the README's command-line section lists them too):
  0  safe: every file the settings select is at the destination in its current version and
     verified (or locked by hand), and the schedule keeps it so;
  1  not safe, someone must act: copying stopped, files fail, nothing matches the filters, the
     destination changed, no run is scheduled, no successful run for too long (state `error`
     or `attention`), or `--check` found files missing at the destination;
  2  the configuration cannot be read (the message says what to fix);
  3  not safe yet, but on its way: files waiting or being written, a run going, no run finished
     yet (state `pending` or `syncing`);
  4  paused.

Starts fast: imports the verdict only (no Qt; paramiko or Office365 only with `--check` on such
a destination) and writes no log.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import datetime

from oeleo_gui.cli.common import EXIT_USAGE, load_cli_settings
from oeleo_gui.engine.errors import ConfigError, OeleoError, RunInProgress
from oeleo_gui.engine.settings.config import Settings
from oeleo_gui.engine.status import FileConcern, SafetyState, StatusReport, compute_status
from oeleo_gui.engine.units import when_text

EXIT_SAFE, EXIT_ACT, EXIT_ON_ITS_WAY, EXIT_PAUSED = 0, 1, 3, 4
_EXIT_BY_STATE = {
    SafetyState.IDLE: EXIT_SAFE,
    SafetyState.PENDING: EXIT_ON_ITS_WAY,
    SafetyState.SYNCING: EXIT_ON_ITS_WAY,
    SafetyState.PAUSED: EXIT_PAUSED,
    SafetyState.ATTENTION: EXIT_ACT,
    SafetyState.ERROR: EXIT_ACT,
}
LISTED = 10  # files named per list in the text output


def exit_code(report: StatusReport) -> int:
    if report.safe:
        return EXIT_SAFE
    return _EXIT_BY_STATE[report.state] or EXIT_ACT  # unsafe is never 0


def cmd_status(args: argparse.Namespace) -> int:
    """Print the verdict (text or JSON); the exit code says it too (see the module's doc)."""
    try:
        settings = load_cli_settings(args)
    except ConfigError as exc:
        report = config_problem_report(exc)
        _print(report, as_json=args.json, out=sys.stdout if args.json else sys.stderr)
        return EXIT_USAGE
    report = compute_status(settings)
    if args.check:
        report = with_destination_check(report, settings)
    _print(report, as_json=args.json, out=sys.stdout)
    return exit_code(report)


def config_problem_report(exc: ConfigError) -> StatusReport:
    """Nothing is copied while the configuration cannot be read: say which setting to fix."""
    problems = [str(p) for p in exc.problems] or [exc.title]
    summary = f"Nothing is copied: the configuration cannot be used ({problems[0]})."
    if len(problems) > 1:
        summary = summary[:-2] + f", and {len(problems) - 1} more problem(s))."
    return StatusReport(
        safe=False,
        state=SafetyState.ERROR,
        summary=summary,
        reasons=tuple(f"{p}. {exc.hint}" for p in problems),
        checked_at=datetime.now(),
    )


def with_destination_check(report: StatusReport, settings: Settings) -> StatusReport:
    """The verdict plus what a comparison with the destination found (it writes nothing)."""
    from oeleo_gui.engine.worker import Engine

    engine = Engine(settings, run_lock_wait=0)  # never wait for a run that is copying
    try:
        check = engine.check(update_db=False)
    except RunInProgress:  # another process copies right now: the verdict says "syncing"
        return _worse(
            report, SafetyState.SYNCING, "Not compared with the destination: a run is copying."
        )
    except OeleoError as exc:
        return _worse(
            report, SafetyState.ERROR, f"Could not compare with the destination: {exc.title}"
        )
    finally:
        engine.close()
    waiting = {c.path for c in report.waiting + report.live + report.failed}
    missing = [p for p in check.missing if p not in waiting]
    differ = [p for p in check.out_of_sync if p not in waiting]
    if not (missing or differ):
        return report
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing (e.g. {missing[0]})")
    if differ:
        parts.append(f"{len(differ)} different (e.g. {differ[0]})")
    return _worse(
        report,
        SafetyState.ATTENTION,
        "At the destination, files are " + " and ".join(parts) + ": run "
        "`oeleo-gui check --update-db`, then `oeleo-gui sync`, to copy them again.",
    )


_RANK = (
    SafetyState.ERROR,
    SafetyState.ATTENTION,
    SafetyState.PAUSED,
    SafetyState.SYNCING,
    SafetyState.PENDING,
    SafetyState.IDLE,
)


def _worse(report: StatusReport, state: SafetyState, reason: str) -> StatusReport:
    """The report with one more reason; its state only ever gets worse."""
    worst = min(report.state, state, key=_RANK.index)
    reasons = (
        (reason, *report.reasons)
        if _RANK.index(state) <= _RANK.index(report.state)
        else (*report.reasons, reason)
    )
    return replace(report, safe=False, state=worst, reasons=reasons, summary=reasons[0])


def _print(report: StatusReport, *, as_json: bool, out: object) -> None:
    if as_json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False), file=out)  # type: ignore[call-overload]
        return
    for line in status_lines(report):
        print(line, file=out)  # type: ignore[call-overload]


def status_lines(report: StatusReport) -> list[str]:
    """The verdict for people: the answer first, then why, then the files concerned."""
    now = report.checked_at
    head = "Safe" if report.safe else f"NOT SAFE ({report.state})"
    lines = [f"{head}: {report.summary}"]
    lines += [f"  - {reason}" for reason in report.reasons[1:]]
    for title, concerns in (
        ("Failing", report.failed),
        ("Waiting", report.waiting),
        ("Live copies", report.live),
    ):
        if concerns:
            lines.append(f"{title}:")
            lines += [f"  {_concern_line(c, now)}" for c in concerns[:LISTED]]
            if len(concerns) > LISTED:
                lines.append(f"  … and {len(concerns) - LISTED} more (see --json)")
    if report.matched or report.reasons:
        lines.append(
            f"Files selected: {report.matched} · copied {report.copied} · locked "
            f"{report.locked} · not copied yet {report.not_copied}"
        )
        next_run = when_text(report.next_run, now) if report.next_run else "none scheduled"
        lines.append(
            f"Last successful run: {when_text(report.last_success, now)} · next run: {next_run}"
        )
    return lines


def _concern_line(concern: FileConcern, now: datetime) -> str:
    since = f" (since {when_text(concern.since, now)})" if concern.since else ""
    return f"{concern.path} — {concern.reason}{since}"
