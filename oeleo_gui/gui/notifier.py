"""Which tray notifications to show: one per distinct problem, and one when it is over.

Pure (no Qt): the app feeds it every finished run or failed job and shows the `Notice`s it
returns with `QSystemTrayIcon.showMessage`. It also remembers which files failed in consecutive
runs, since a file that keeps failing turns the icon to the error state.
"""

from __future__ import annotations

from dataclasses import dataclass

from oeleo_gui.engine.events import RunSummary

KEEPS_FAILING_RUNS = 2  # a file failing in this many consecutive runs is an error, not a hiccup


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    title: str
    message: str
    is_error: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    key: str
    title: str
    message: str


class Notifier:
    """Turns outcomes into notices, de-duplicated by problem."""

    def __init__(self) -> None:
        self._problem: Problem | None = None
        self._streaks: dict[str, int] = {}
        self._reasons: dict[str, str] = {}

    @property
    def current_problem(self) -> Problem | None:
        return self._problem

    @property
    def keeps_failing(self) -> tuple[str, ...]:
        return tuple(sorted(p for p, n in self._streaks.items() if n >= KEEPS_FAILING_RUNS))

    def after_run(self, summary: RunSummary) -> list[Notice]:
        """Notices for a finished run (a cancelled or skipped run says nothing new)."""
        if summary.skipped:  # another process copies: neither a problem nor a recovery
            return []
        if summary.error:
            return self._enter(
                Problem(
                    key=f"run:{summary.error}",
                    title="Copying stopped",
                    message=_one_line(summary.error, summary.error_hint),
                )
            )
        if summary.cancelled:
            return []
        failed = {r.rel_path: r.reason for r in summary.failed}
        self._streaks = {p: self._streaks.get(p, 0) + 1 for p in failed}
        self._reasons = failed
        stuck = self.keeps_failing
        if stuck:
            count = len(stuck)
            return self._enter(
                Problem(
                    key="files:" + "\n".join(stuck),
                    title=f"{count} file{'s' if count != 1 else ''} keep failing",
                    message=_one_line(self._reasons[stuck[0]], ""),
                )
            )
        return self._recovered()

    def after_failure(self, title: str, hint: str = "") -> list[Notice]:
        """A job that could not start (configuration, unreachable destination for a check)."""
        return self._enter(
            Problem(
                key=f"job:{title}", title="oeleo-gui cannot copy", message=_one_line(title, hint)
            )
        )

    def clear(self) -> None:
        """Forget everything (new settings): the next problem is news again."""
        self._problem = None
        self._streaks.clear()
        self._reasons.clear()

    def _enter(self, problem: Problem) -> list[Notice]:
        if self._problem is not None and self._problem.key == problem.key:
            return []
        self._problem = problem
        return [Notice(title=problem.title, message=problem.message, is_error=True)]

    def _recovered(self) -> list[Notice]:
        if self._problem is None:
            return []
        self._problem = None
        return [
            Notice(
                title="Copying works again",
                message="The last run copied everything it could; the data is safe again.",
                is_error=False,
            )
        ]


def _one_line(title: str, hint: str) -> str:
    text = " ".join(f"{title} {hint}".split())
    return text if len(text) <= 240 else text[:239] + "…"
