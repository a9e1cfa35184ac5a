"""Benchmark: what a live copy of a growing file costs, beside a plain copy of the same size.

Run on demand (never in CI):
    .venv/bin/python tests/benchmarks/bench_live.py [--size-mb 1024] [--rate-mb 1] [--repeat 3]
        [--dir /var/tmp]

A file of `--size-mb` grows at `--rate-mb` MB/s (a writer thread appends 64 kB pieces, as a
cycler's logger would); the engine takes a live copy of it (copy, verify, re-read the copied
length and hash it, rename) through a folder destination. The same engine copies a static file
of the same size into a fresh destination: the plain copy. Turns alternate, each repeated;
the table shows medians, the ratio, and how each live copy was accepted.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from oeleo_gui.engine.settings.config import settings_from_values  # noqa: E402
from oeleo_gui.engine.worker import Engine  # noqa: E402

PIECE = 64 * 1024


class Grower(threading.Thread):
    def __init__(self, path: Path, rate_mb: float) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.period = PIECE / (rate_mb * 1024 * 1024)
        self.stop_event = threading.Event()

    def run(self) -> None:
        piece = os.urandom(PIECE)
        with open(self.path, "ab") as fh:
            while not self.stop_event.wait(self.period):
                fh.write(piece)
                fh.flush()


def make_file(path: Path, size_mb: int) -> None:
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as fh:
        for _ in range(size_mb):
            fh.write(block)


def engine_for(src: Path, dst: Path, db: Path, clock_offset: list[float]) -> Engine:
    settings = settings_from_values(
        {
            "OELEO_BASE_DIR_FROM": str(src),
            "OELEO_BASE_DIR_TO": str(dst),
            "OELEO_FILTER_EXTENSION": ".res",
            "OELEO_DB_NAME": str(db),
            "OELEO_LOG_DIR": str(db.parent / "logs"),
            "OELEO_SETTLE_SECONDS": "3600",
            "OELEO_MAX_WAIT_SECONDS": "60",
            "OA_FROM_YEAR": "0",
        },
        env_file=None,
    )
    return Engine(settings, clock=lambda: time.time() + clock_offset[0])


def live_copy(work: Path, size_mb: int, rate_mb: float) -> tuple[float, str]:
    src, dst = work / "live-src", work / "live-dst"
    for folder in (src, dst):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    make_file(src / "cell.res", size_mb)
    (work / "live.db").unlink(missing_ok=True)  # a fresh state: the file waits, then is due
    offset = [-600.0]
    engine = engine_for(src, dst, work / "live.db", offset)
    engine.sync()  # sees it waiting, ten minutes "ago"
    grower = Grower(src / "cell.res", rate_mb)
    size = (src / "cell.res").stat().st_size
    grower.start()
    while (src / "cell.res").stat().st_size == size:  # changed since the run that saw it
        time.sleep(0.01)
    offset[0] = 0.0
    accepted: list[str] = []
    handler = _Collect(accepted)
    logging.getLogger("oeleo_gui.engine.transfer").addHandler(handler)
    logging.getLogger("oeleo_gui.engine.transfer").setLevel(logging.DEBUG)
    try:
        started = time.perf_counter()
        summary = engine.sync()
        elapsed = time.perf_counter() - started
    finally:
        grower.stop_event.set()
        grower.join()
        logging.getLogger("oeleo_gui.engine.transfer").removeHandler(handler)
        engine.close()
    how = accepted[-1] if summary.live else f"not accepted: {(summary.settling or [None])[0]}"
    return elapsed, how


def plain_copy(work: Path, size_mb: int) -> float:
    src, dst = work / "plain-src", work / "plain-dst"
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir()
    if not (src / "cell.res").exists():
        src.mkdir(exist_ok=True)
        make_file(src / "cell.res", size_mb)
        old = time.time() - 86400
        os.utime(src / "cell.res", (old, old))
    (work / "plain.db").unlink(missing_ok=True)
    engine = engine_for(src, dst, work / "plain.db", [0.0])
    try:
        started = time.perf_counter()
        summary = engine.sync()
        elapsed = time.perf_counter() - started
    finally:
        engine.close()
    assert len(summary.copied) == 1, summary
    return elapsed


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "accepted:" in message or "discarded:" in message:
            self.into.append(message.split(": ", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--rate-mb", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where the data goes")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="oeleo-bench-live-", dir=args.dir))
    lives, plains, hows = [], [], []
    try:
        for i in range(args.repeat):
            for turn in ("live", "plain") if i % 2 == 0 else ("plain", "live"):
                if turn == "live":
                    elapsed, how = live_copy(work, args.size_mb, args.rate_mb)
                    lives.append(elapsed)
                    hows.append(how)
                else:
                    plains.append(plain_copy(work, args.size_mb))
            print(f"round {i + 1}: live {lives[-1]:.2f} s ({hows[-1]}), plain {plains[-1]:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    live, plain = statistics.median(lives), statistics.median(plains)
    ratios = statistics.median(a / b for a, b in zip(lives, plains, strict=True))
    print()
    print(f"| {args.size_mb} MB file | median s | MB/s |")
    print("|---|---:|---:|")
    print(f"| live copy, growing {args.rate_mb:g} MB/s | {live:.2f} | {args.size_mb / live:.0f} |")
    print(f"| plain copy | {plain:.2f} | {args.size_mb / plain:.0f} |")
    print(f"| live / plain (median of paired ratios) | {ratios:.2f}× | |")


if __name__ == "__main__":
    main()
