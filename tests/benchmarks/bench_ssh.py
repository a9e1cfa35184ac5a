"""Benchmark: oeleo's SSH destination against `rsync -a` over ssh, on a throw-away local sshd.

Run on demand (pytest does not collect `bench_*` files):

    .venv/bin/python tests/benchmarks/bench_ssh.py [--scale 0.1]

Scenarios: 2000 files of 50 KB, 5 files of 200 MB, and a re-run with nothing changed (for both
tools, after the small-files run). `--scale` shrinks the file counts and sizes for a quick try.
Prints wall time, MB/s and the oeleo/rsync time ratio. Never gates CI.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for sshd_server
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for oeleo_gui

import keyring
import keyring.backends.null
import sshd_server

from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.worker import Engine

OLD = time.time() - 3 * 24 * 3600


@dataclass
class Result:
    scenario: str
    tool: str
    seconds: float
    megabytes: float

    @property
    def rate(self) -> float:
        return self.megabytes / self.seconds if self.seconds > 0 else float("inf")


def make_files(folder: Path, count: int, size: int) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(min(size, 1024 * 1024))
    for i in range(count):
        path = folder / f"file_{i:05d}.res"
        with path.open("wb") as f:
            left = size
            salt = i.to_bytes(4, "big")
            while left > 0:
                part = (salt + block)[:left]
                f.write(part)
                left -= len(part)
        os.utime(path, (OLD, OLD))
    return count * size / 1e6


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def oeleo_engine(server: sshd_server.SshdServer, src: Path, dest: Path, work: Path) -> Engine:
    values = {
        "OELEO_BASE_DIR_FROM": str(src),
        "OELEO_FILTER_EXTENSION": ".res",
        "OELEO_DESTINATION_TYPE": "ssh",
        "OELEO_BASE_DIR_TO": str(dest),
        "OELEO_EXTERNAL_HOST": f"{server.host}:{server.port}",
        "OELEO_USERNAME": server.user,
        "OELEO_KEY_FILENAME": str(server.key_path),
        "OELEO_KNOWN_HOSTS": str(server.known_hosts),
        "OELEO_DB_NAME": str(work / f"{src.name}.db"),
        "OELEO_LOG_DIR": str(work / "logs"),
        "OELEO_SETTLE_SECONDS": "0",
        "OA_FROM_YEAR": "2000",
    }
    return Engine(settings_from_values(values, env_file=None))


def rsync(server: sshd_server.SshdServer, src: Path, dest: Path) -> None:
    ssh = (
        f"ssh -F /dev/null -p {server.port} -i {shlex.quote(str(server.key_path))} "
        f"-o UserKnownHostsFile={shlex.quote(str(server.known_hosts))} "
        "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes"
    )
    subprocess.run(
        ["rsync", "-a", "-e", ssh, f"{src}/", f"{server.user}@{server.host}:{dest}/"],
        check=True,
    )


def run_scenario(
    server: sshd_server.SshdServer, work: Path, name: str, count: int, size: int
) -> list[Result]:
    src = work / name
    megabytes = make_files(src, count, size)
    results = []
    oeleo_dest, rsync_dest = server.remote_dir(), server.remote_dir()
    engine = oeleo_engine(server, src, oeleo_dest, work)
    try:
        summary = None

        def sync() -> None:
            nonlocal summary
            summary = engine.sync()

        seconds = timed(sync)
        assert summary is not None
        if not summary.ok:
            raise RuntimeError(f"oeleo run failed: {summary.error} {summary.failed[:3]}")
        results.append(Result(name, "oeleo", seconds, megabytes))
        results.append(
            Result(name, "rsync", timed(lambda: rsync(server, src, rsync_dest)), megabytes)
        )
        if count > 10:
            again = f"{name}, nothing changed"
            results.append(Result(again, "oeleo", timed(sync), 0.0))
            results.append(
                Result(again, "rsync", timed(lambda: rsync(server, src, rsync_dest)), 0.0)
            )
    finally:
        engine.close()
        shutil.rmtree(src, ignore_errors=True)
        shutil.rmtree(oeleo_dest, ignore_errors=True)
        shutil.rmtree(rsync_dest, ignore_errors=True)
    return results


def report(results: list[Result]) -> str:
    lines = [f"{'scenario':<36} {'tool':<6} {'seconds':>9} {'MB/s':>9} {'oeleo/rsync':>12}"]
    by_key = {(r.scenario, r.tool): r for r in results}
    for r in results:
        ratio = ""
        if r.tool == "oeleo" and (r.scenario, "rsync") in by_key:
            ratio = f"{r.seconds / by_key[(r.scenario, 'rsync')].seconds:.2f}x"
        rate = f"{r.rate:.1f}" if r.megabytes else "-"
        lines.append(f"{r.scenario:<36} {r.tool:<6} {r.seconds:>9.2f} {rate:>9} {ratio:>12}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="shrink counts and sizes")
    args = parser.parse_args(argv)
    binary = sshd_server.sshd_binary()
    if binary is None or shutil.which("rsync") is None:
        print("needs sshd (openssh-server) and rsync")
        return 2
    keyring.set_keyring(keyring.backends.null.Keyring())
    os.environ["HOME"] = tempfile.mkdtemp(prefix="oeleo-bench-home-")  # no ~/.ssh influence
    server = sshd_server.SshdServer.start(binary)
    work = Path(tempfile.mkdtemp(prefix="oeleo-bench-"))
    results: list[Result] = []
    try:
        small = max(1, int(2000 * args.scale))
        big = max(1024 * 1024, int(200 * 1024 * 1024 * args.scale))
        results += run_scenario(server, work, f"{small} x 50 KB", small, 50 * 1024)
        results += run_scenario(server, work, f"5 x {big // (1024 * 1024)} MB", 5, big)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(os.environ["HOME"], ignore_errors=True)
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
