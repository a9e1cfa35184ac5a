"""Benchmark: oeleo-gui beside `rsync -a` and upstream oeleo 0.7.0, local folder to local folder.

Run on demand (never in CI):
    .venv/bin/python tests/benchmarks/bench_local.py [--small N] [--skip-upstream]

Scenarios, each on a freshly generated data set: first copy, re-run with nothing changed, re-run
after 1 % of the files changed; for 20 000 × 4 KB files in 50 folders and 5 × 200 MB files.
Each tool runs as its own process, so wall time and peak memory (ru_maxrss) are its own.
Also measures oeleo-gui's peak memory on a nothing-changed run over 100 000 files (--memory).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM_VENV = Path(tempfile.gettempdir()) / "oeleo-upstream-venv"
OLD = time.time() - 86400


@dataclass
class Result:
    tool: str
    scenario: str
    seconds: float
    files: int
    megabytes: float
    peak_mb: float

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.megabytes / self.seconds if self.seconds else 0.0


def run_measured(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0,):
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{cmd[0]} failed: {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


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
            for _ in range(size_mb):
                fh.write(block)
        os.utime(path, (OLD, OLD))


def change_one_percent(root: Path) -> int:
    files = sorted(root.rglob("*.dat"))
    step = max(1, len(files) // max(1, len(files) // 100))
    changed = files[::step][: max(1, len(files) // 100)]
    for path in changed:
        with open(path, "r+b") as fh:
            fh.write(os.urandom(16))
        os.utime(path, (OLD + 100, OLD + 100))
    return len(changed)


def oeleo_gui_cmd(work: Path, src: Path, dst: Path) -> tuple[list[str], dict[str, str]]:
    env_file = work / "gui.env"
    env_file.write_text(
        f"OELEO_BASE_DIR_FROM={src}\nOELEO_BASE_DIR_TO={dst}\nOELEO_FILTER_EXTENSION=.dat\n"
        f"OELEO_DB_NAME={work / 'gui.db'}\nOELEO_LOG_DIR={work / 'logs'}\n"
        "OA_INCLUDE_SUBDIRS=yes\nOA_EXTERNAL_SUBDIRS=yes\nOA_FROM_YEAR=0\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OELEO_", "OA_"))}
    return [sys.executable, "-m", "oeleo_gui", "--env", str(env_file), "sync"], env


UPSTREAM_SCRIPT = """
import sys
from pathlib import Path
from oeleo.workers import simple_worker
from oeleo.reporters import LogReporter
w = simple_worker(base_directory_from=Path(sys.argv[1]), base_directory_to=Path(sys.argv[2]),
                  db_name=sys.argv[3], extension=".dat", include_subdirs=True,
                  external_subdirs=True, reporter=LogReporter())
w.connect_to_db()
w.filter_local()
w.run()
"""


def upstream_python() -> Path | None:
    python = UPSTREAM_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(UPSTREAM_VENV)], check=True)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "oeleo==0.7.0"],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            print("upstream oeleo 0.7.0 did not install; skipping it")
            shutil.rmtree(UPSTREAM_VENV, ignore_errors=True)
            return None
    return python


def bench_dataset(label: str, make, tools: list[str], work_root: Path) -> list[Result]:  # type: ignore[no-untyped-def]
    results = []
    for tool in tools:
        work = work_root / f"{label}-{tool}"
        src, dst = work / "src", work / "dst"
        make(src)
        dst.mkdir(parents=True)
        files = sum(1 for _ in src.rglob("*.dat"))
        total_mb = sum(p.stat().st_size for p in src.rglob("*.dat")) / 1e6
        if tool == "oeleo-gui":
            cmd, env = oeleo_gui_cmd(work, src, dst)
        elif tool == "rsync -a":
            cmd, env = ["rsync", "-a", f"{src}/", f"{dst}/"], None
        else:
            python = upstream_python()
            if python is None:
                continue
            script = work / "upstream.py"
            script.write_text(UPSTREAM_SCRIPT)
            cmd, env = [str(python), str(script), str(src), str(dst), str(work / "up.db")], None
        for scenario in ("first copy", "nothing changed", "1 % changed"):
            moved_files, moved_mb = files, total_mb
            if scenario == "nothing changed":
                moved_files, moved_mb = files, 0.0
            if scenario == "1 % changed":
                n = change_one_percent(src)
                moved_files, moved_mb = files, total_mb * n / files
            seconds, peak = run_measured(cmd, work, env)
            results.append(
                Result(tool, f"{label}: {scenario}", seconds, moved_files, moved_mb, peak)
            )
            print(
                f"  {tool:<14} {label}: {scenario:<16} {seconds:8.2f} s  peak {peak:6.0f} MB",
                flush=True,
            )
        shutil.rmtree(work)
    return results


def print_table(results: list[Result]) -> None:
    print()
    print(
        f"{'scenario':<34} {'tool':<14} {'wall s':>8} {'files/s':>10} {'MB/s':>8} "
        f"{'peak MB':>8} {'vs rsync':>9} {'vs oeleo':>9}"
    )
    by_key = {(r.scenario, r.tool): r for r in results}
    for r in results:
        rs = by_key.get((r.scenario, "rsync -a"))
        up = by_key.get((r.scenario, "oeleo 0.7.0"))
        vs_rsync = f"{r.seconds / rs.seconds:8.2f}x" if rs and rs.seconds else ""
        vs_up = f"{up.seconds / r.seconds:8.1f}x" if up and r.tool == "oeleo-gui" else ""
        print(
            f"{r.scenario:<34} {r.tool:<14} {r.seconds:8.2f} {r.files_per_s:10.0f} "
            f"{r.mb_per_s:8.1f} {r.peak_mb:8.0f} {vs_rsync:>9} {vs_up:>9}"
        )
    print(
        "vs rsync: oeleo-gui time / rsync time (target first copy <= 1.5); "
        "vs oeleo: upstream time / oeleo-gui time (target nothing changed >= 30)"
    )


def memory_run(work_root: Path, count: int) -> None:
    work = work_root / "memory"
    src, dst = work / "src", work / "dst"
    make_small_files(src, count, folders=100, size=16)
    dst.mkdir(parents=True)
    cmd, env = oeleo_gui_cmd(work, src, dst)
    first = run_measured(cmd, work, env)
    again = run_measured(cmd, work, env)
    print(
        f"\n{count} files: first copy {first[0]:.1f} s peak {first[1]:.0f} MB; "
        f"nothing changed {again[0]:.2f} s peak {again[1]:.0f} MB (target < 150 MB)"
    )
    shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=20_000, help="number of 4 KB files")
    parser.add_argument("--big-mb", type=int, default=200, help="size of each of the 5 big files")
    parser.add_argument("--skip-upstream", action="store_true")
    parser.add_argument(
        "--memory", type=int, default=100_000, help="files for the memory run (0: skip)"
    )
    args = parser.parse_args()
    tools = ["oeleo-gui", "rsync -a"] + ([] if args.skip_upstream else ["oeleo 0.7.0"])
    with tempfile.TemporaryDirectory(prefix="oeleo-bench-") as tmp:
        work_root = Path(tmp)
        results = bench_dataset(
            f"{args.small} x 4 KB", lambda p: make_small_files(p, args.small), tools, work_root
        )
        results += bench_dataset(
            f"5 x {args.big_mb} MB", lambda p: make_big_files(p, 5, args.big_mb), tools, work_root
        )
        print_table(results)
        if args.memory:
            memory_run(work_root, args.memory)


if __name__ == "__main__":
    main()
