"""Benchmark: oeleo-gui beside `rsync -a` and upstream oeleo 0.7.0, local folder to local folder.

Run on demand (never in CI):
    .venv/bin/python tests/benchmarks/bench_local.py [--repeat 3] [--small N] [--skip-upstream]

Scenarios, on one generated data set per size: first copy, re-run with nothing changed, re-run
after 1 % of the files changed; for 20 000 × 4 KB files in 50 folders and 5 × 200 MB files.

How it measures, so that a noisy machine does not decide the result:
- every tool runs as its own process (wall time and peak memory, ru_maxrss, are its own), and
  the tools take turns within each scenario, in an order that rotates between repetitions;
- each scenario is repeated (`--repeat`), every first copy into a fresh destination and
  database, and the table shows medians;
- oeleo-gui is installed from this checkout into its own virtual environment, as upstream is
  from PyPI into another (bytecode compiled, no editable-install hooks), and both run the way
  their users start them: `oeleo-gui sync` and a script calling upstream's worker;
- besides the wall time of the process, "run s" is the time the run itself took inside the
  process (for oeleo-gui from its run history, for upstream timed around `connect_to_db`,
  `filter_local` and `run`): what a scheduler or tray that stays running pays per run, without
  the interpreter's start-up and imports.

Also measures oeleo-gui's peak memory over 100 000 files (--memory).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM_VENV = Path(tempfile.gettempdir()) / "oeleo-upstream-venv"
GUI_VENV = Path(tempfile.gettempdir()) / "oeleo-gui-bench-venv"
OLD = time.time() - 86400
SCENARIOS = ("first copy", "nothing changed", "1 % changed")
RSYNC = "rsync -a"
RSYNC_SYNC = "rsync -a; sync"  # the same, then made durable like oeleo-gui's copies (syncfs)
GUI = "oeleo-gui"
UPSTREAM = "oeleo 0.7.0"


@dataclass
class Sample:
    wall: float
    run: float | None
    peak_mb: float


@dataclass
class Result:
    tool: str
    scenario: str
    samples: list[Sample]
    files: int
    megabytes: float

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def run(self) -> float | None:
        runs = [s.run for s in self.samples if s.run is not None]
        return statistics.median(runs) if runs else None

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.samples)


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and standard output of one child process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out = proc.stdout.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        proc.stdout.close()
        if proc.returncode != 0:
            err.seek(0)
            message = err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {message}")
    return seconds, usage.ru_maxrss / 1024, out


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OELEO_", "OA_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # installed packages run from compiled bytecode
    return env


# --- data ------------------------------------------------------------------------------------
def make_small_files(root: Path, count: int, folders: int = 50, size: int = 4096) -> None:
    for i in range(count):
        folder = root / f"run{i % folders:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"sample_{i:06d}.dat"
        path.write_bytes(os.urandom(size))
        os.utime(path, (OLD, OLD))


def make_big_files(root: Path, count: int = 5, size_mb: int = 200) -> None:
    root.mkdir(parents=True, exist_ok=True)
    block = os.urandom(1024 * 1024)
    for i in range(count):
        path = root / f"big_{i}.dat"
        with open(path, "wb") as fh:
            for j in range(size_mb):
                fh.write(j.to_bytes(4, "big") + block[4:])
        os.utime(path, (OLD, OLD))


def change_one_percent(root: Path, round_no: int) -> int:
    """Rewrite the start of 1 % of the files, with a new mtime every round (rsync's quick check)."""
    files = sorted(root.rglob("*.dat"))
    count = max(1, len(files) // 100)
    changed = files[round_no % max(1, len(files) // count) :: max(1, len(files) // count)][:count]
    stamp = OLD + 100 * (round_no + 1)
    for path in changed:
        with open(path, "r+b") as fh:
            fh.write(os.urandom(16))
        os.utime(path, (stamp, stamp))
    return len(changed)


# --- tools -----------------------------------------------------------------------------------
def venv_with(venv: Path, requirement: str, label: str) -> Path | None:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", requirement],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{label} did not install; skipping it:\n{done.stderr[-1000:]}")
            shutil.rmtree(venv, ignore_errors=True)
            return None
    return python


def install_gui() -> Path:
    """This checkout, installed (not editable) into its own venv, fresh for every benchmark."""
    shutil.rmtree(GUI_VENV, ignore_errors=True)
    python = venv_with(GUI_VENV, str(ROOT), GUI)
    if python is None:
        raise SystemExit("could not install oeleo-gui from this checkout")
    return GUI_VENV / "bin" / "oeleo-gui"


UPSTREAM_SCRIPT = """
import sys, time
from pathlib import Path
from oeleo.workers import simple_worker
from oeleo.reporters import LogReporter
w = simple_worker(base_directory_from=Path(sys.argv[1]), base_directory_to=Path(sys.argv[2]),
                  db_name=sys.argv[3], extension=".dat", include_subdirs=True,
                  external_subdirs=True, reporter=LogReporter())
start = time.perf_counter()
w.connect_to_db()
w.filter_local()
w.run()
print(f"RUN-SECONDS {time.perf_counter() - start:.6f}")
"""


def last_run_seconds(db: Path) -> float | None:
    """The duration of the newest run in oeleo-gui's run history."""
    con = sqlite3.connect(db)
    try:
        row = con.execute(
            "SELECT started_at, finished_at FROM run_history ORDER BY id DESC"
        ).fetchone()
    finally:
        con.close()
    if row is None:
        return None
    started, finished = (datetime.fromisoformat(str(v)) for v in row)
    return (finished - started).total_seconds()


@dataclass
class Tool:
    name: str
    command: Callable[[Path, Path, Path], list[str]]  # (work, src, dst) -> argv
    run_seconds: Callable[[Path, str], float | None] = lambda work, out: None


def make_tools(names: list[str], gui_exe: Path, upstream_python: Path | None) -> list[Tool]:
    def gui_command(work: Path, src: Path, dst: Path) -> list[str]:
        env_file = work / "gui.env"
        env_file.write_text(
            f"OELEO_BASE_DIR_FROM={src}\nOELEO_BASE_DIR_TO={dst}\nOELEO_FILTER_EXTENSION=.dat\n"
            f"OELEO_DB_NAME={work / 'gui.db'}\nOELEO_LOG_DIR={work / 'logs'}\n"
            "OA_INCLUDE_SUBDIRS=yes\nOA_EXTERNAL_SUBDIRS=yes\nOA_FROM_YEAR=0\n"
        )
        return [str(gui_exe), "--env", str(env_file), "sync"]

    def upstream_command(work: Path, src: Path, dst: Path) -> list[str]:
        script = work / "upstream.py"
        script.write_text(UPSTREAM_SCRIPT)
        return [str(upstream_python), str(script), str(src), str(dst), str(work / "up.db")]

    def upstream_seconds(work: Path, out: str) -> float | None:
        for line in out.splitlines():
            if line.startswith("RUN-SECONDS "):
                return float(line.split()[1])
        return None

    available = {
        GUI: Tool(GUI, gui_command, lambda work, out: last_run_seconds(work / "gui.db")),
        RSYNC: Tool(RSYNC, lambda work, src, dst: ["rsync", "-a", f"{src}/", f"{dst}/"]),
        RSYNC_SYNC: Tool(
            RSYNC_SYNC,
            lambda work, src, dst: ["sh", "-c", f'rsync -a "{src}/" "{dst}/" && sync -f "{dst}"'],
        ),
    }
    if upstream_python is not None:
        available[UPSTREAM] = Tool(UPSTREAM, upstream_command, upstream_seconds)
    return [available[n] for n in names if n in available]


# --- running ---------------------------------------------------------------------------------
def bench_dataset(
    label: str, make: Callable[[Path], None], tools: list[Tool], work_root: Path, repeat: int
) -> list[Result]:
    src = work_root / f"{label}-src".replace(" ", "_")
    make(src)
    files = sum(1 for _ in src.rglob("*.dat"))
    total_mb = sum(p.stat().st_size for p in src.rglob("*.dat")) / 1e6
    results = {
        (t.name, s): Result(t.name, f"{label}: {s}", [], files, 0.0)
        for t in tools
        for s in SCENARIOS
    }
    env = child_env()
    for rep in range(repeat):
        order = tools[rep % len(tools) :] + tools[: rep % len(tools)]
        works = {}
        for tool in order:
            work = work_root / f"{label}-{tool.name}-{rep}".replace(" ", "_")
            (work / "dst").mkdir(parents=True)
            works[tool.name] = work
        for scenario in SCENARIOS:
            moved_mb = total_mb if scenario == "first copy" else 0.0
            if scenario == "1 % changed":
                moved_mb = total_mb * change_one_percent(src, rep) / files
            for tool in order:
                work = works[tool.name]
                cmd = tool.command(work, src, work / "dst")
                wall, peak, out = run_measured(cmd, work, env)
                result = results[(tool.name, scenario)]
                result.samples.append(Sample(wall, tool.run_seconds(work, out), peak))
                result.megabytes = moved_mb
                run = result.samples[-1].run
                run_text = f"run {run:7.3f} s" if run is not None else " " * 13
                print(
                    f"  [{rep + 1}/{repeat}] {tool.name:<14} {label}: {scenario:<16}"
                    f" wall {wall:7.3f} s  {run_text}  peak {peak:5.0f} MB",
                    flush=True,
                )
    return list(results.values())


def paired(a: Result | None, b: Result | None, *, run: bool = False) -> float | None:
    """Median over repetitions of a's time / b's time, each pair measured side by side."""
    if a is None or b is None:
        return None
    ratios = []
    for x, y in zip(a.samples, b.samples, strict=False):
        top, bottom = (x.run, y.run) if run else (x.wall, y.wall)
        if top and bottom:
            ratios.append(top / bottom)
    return statistics.median(ratios) if ratios else None


def times(value: float | None, width: int, digits: int = 2) -> str:
    return f"{value:{width - 1}.{digits}f}x" if value is not None else " " * width


def print_table(results: list[Result]) -> None:
    print()
    print(
        f"{'scenario (medians)':<34} {'tool':<14} {'wall s':>8} {'run s':>8} {'files/s':>9} "
        f"{'MB/s':>7} {'peak MB':>8} {'÷ rsync':>8} {'÷ r+sync':>9} {'oeleo÷ wall':>12} "
        f"{'oeleo÷ run':>11}"
    )
    by_key = {(r.scenario, r.tool): r for r in results}
    for r in sorted(results, key=lambda r: (r.scenario, r.tool)):
        gui = r.tool == GUI
        vs_rsync = paired(r, by_key.get((r.scenario, RSYNC))) if gui else None
        vs_rsync_sync = paired(r, by_key.get((r.scenario, RSYNC_SYNC))) if gui else None
        up = by_key.get((r.scenario, UPSTREAM))
        vs_up_wall = paired(up, r) if gui else None
        vs_up_run = paired(up, r, run=True) if gui else None
        run = f"{r.run:8.3f}" if r.run is not None else ""
        print(
            f"{r.scenario:<34} {r.tool:<14} {r.wall:8.3f} {run:>8} {r.files / r.wall:9.0f} "
            f"{r.megabytes / r.wall:7.1f} {r.peak_mb:8.0f} {times(vs_rsync, 8)} "
            f"{times(vs_rsync_sync, 9)} {times(vs_up_wall, 12, 1)} {times(vs_up_run, 11, 1)}"
        )
    print(
        "Ratios are medians of the repetitions' ratios (each pair ran side by side).\n"
        "÷ rsync: oeleo-gui's wall time / rsync -a's (target: first copy <= 1.5x); ÷ r+sync: the\n"
        "same against rsync -a followed by one flush to disk (oeleo-gui flushes before renaming).\n"
        "oeleo÷: upstream's time / oeleo-gui's (target: nothing changed >= 30x), for the whole\n"
        "process (wall) and for the run inside it (run: what a running scheduler pays per run)."
    )


def memory_run(work_root: Path, count: int, tools: list[Tool]) -> None:
    gui = next(t for t in tools if t.name == GUI)
    work = work_root / "memory"
    src, dst = work / "src", work / "dst"
    make_small_files(src, count, folders=100, size=16)
    dst.mkdir(parents=True)
    env = child_env()
    first = run_measured(gui.command(work, src, dst), work, env)
    again = run_measured(gui.command(work, src, dst), work, env)
    print(
        f"\n{count} files: first copy {first[0]:.1f} s peak {first[1]:.0f} MB; "
        f"nothing changed {again[0]:.2f} s peak {again[1]:.0f} MB (target < 150 MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=20_000, help="number of 4 KB files")
    parser.add_argument(
        "--big-mb", type=int, default=200, help="size of each of the 5 big files (0: skip them)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per scenario")
    parser.add_argument("--skip-upstream", action="store_true")
    parser.add_argument(
        "--memory", type=int, default=100_000, help="files for the memory run (0: skip)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where the data and copies go (default: the temp folder; /dev/shm takes the disk "
        "out of the figures, leaving what each tool costs in CPU)",
    )
    args = parser.parse_args()
    upstream = None if args.skip_upstream else venv_with(UPSTREAM_VENV, "oeleo==0.7.0", UPSTREAM)
    tools = make_tools([GUI, RSYNC, RSYNC_SYNC, UPSTREAM], install_gui(), upstream)
    with tempfile.TemporaryDirectory(prefix="oeleo-bench-", dir=args.dir) as tmp:
        work_root = Path(tmp)
        results = bench_dataset(
            f"{args.small} x 4 KB",
            lambda p: make_small_files(p, args.small),
            tools,
            work_root,
            args.repeat,
        )
        if args.big_mb:
            results += bench_dataset(
                f"5 x {args.big_mb} MB",
                lambda p: make_big_files(p, 5, args.big_mb),
                tools,
                work_root,
                args.repeat,
            )
        print_table(results)
        if args.memory:
            memory_run(work_root, args.memory, tools)


if __name__ == "__main__":
    main()
