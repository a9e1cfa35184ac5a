"""Benchmark: oeleo-gui's SSH destination beside `rsync -a -e ssh` and OpenSSH's `sftp`.

Run on demand (never in CI), as root (the delayed network is a network namespace):
    .venv/bin/python tests/benchmarks/bench_ssh.py [--repeat 3] [--dir /dev/shm]
        [--small 20000] [--big 20x50,5x200] [--networks loopback,delayed] [--delay-ms 1]
        [--no-sftp] [--gui-exe PATH (skip installing this checkout)]

Data sets: 20 000 files of 4 KB in 50 folders, 20 × 50 MB, 5 × 200 MB. Scenarios: first copy,
re-run with nothing changed, re-run after 1 % of the files changed. `sftp` (a batch file with
`put -rp`) runs the first copy only: it has no way to skip what is already there.

Networks: `loopback` (sshd on 127.0.0.1) and `delayed`: sshd in a network namespace behind a
veth pair, every packet delayed `--delay-ms` each way by `tc netem` (see `network_delay.py`;
where the kernel has no netem, a delaying relay does it, and the table says so). The namespace
is made and removed by the benchmark.

How it measures (as `bench_local.py`): every tool runs as its own process, the tools take turns
within each scenario in an order that rotates between repetitions, each first copy goes into a
fresh destination (and database), the table shows medians and the medians of the paired ratios
(each pair measured side by side). oeleo-gui is installed from this checkout into a virtual
environment of its own and runs as its users start it (`oeleo-gui sync`); "run s" is the run's
own time from its run history, without Python's start-up. "peak MB" is the tool's own peak
memory (for rsync and sftp: the local process, not its ssh).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_local, network_delay
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for sshd_server

import bench_local as local
import sshd_server
from network_delay import DelayedNetwork

GUI_VENV = Path(tempfile.gettempdir()) / "oeleo-gui-bench-ssh-venv"
GUI, RSYNC, SFTP = "oeleo-gui", "rsync -e ssh", "sftp put -r"
SCENARIOS = local.SCENARIOS


@dataclass
class Link:
    """A running sshd and where the tools reach it."""

    label: str
    server: sshd_server.SshdServer
    host: str
    port: int
    known_hosts: Path

    def ssh_options(self) -> list[str]:
        s = self.server
        return [
            "-F", "/dev/null", "-p", str(self.port), "-i", str(s.key_path),
            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
        ]  # fmt: skip


@dataclass
class Tool:
    name: str
    command: Callable[[Link, Path, Path, Path], list[str]]  # (link, work, src, dst) -> argv
    scenarios: tuple[str, ...] = SCENARIOS
    run_seconds: Callable[[Path], float | None] = lambda work: None


def make_tools(gui_exe: Path) -> list[Tool]:
    def gui(link: Link, work: Path, src: Path, dst: Path) -> list[str]:
        env_file = work / "gui.env"
        env_file.write_text(
            f"OELEO_BASE_DIR_FROM={src}\nOELEO_BASE_DIR_TO={dst}\nOELEO_FILTER_EXTENSION=.dat\n"
            f"OELEO_DB_NAME={work / 'gui.db'}\nOELEO_LOG_DIR={work / 'logs'}\n"
            "OA_INCLUDE_SUBDIRS=yes\nOA_EXTERNAL_SUBDIRS=yes\nOA_FROM_YEAR=0\n"
            "OELEO_DESTINATION_TYPE=ssh\nOELEO_SETTLE_SECONDS=0\n"
            f"OELEO_EXTERNAL_HOST={link.host}:{link.port}\nOELEO_USERNAME={link.server.user}\n"
            f"OELEO_KEY_FILENAME={link.server.key_path}\nOELEO_KNOWN_HOSTS={link.known_hosts}\n"
        )
        return [str(gui_exe), "--env", str(env_file), "sync"]

    def rsync(link: Link, work: Path, src: Path, dst: Path) -> list[str]:
        ssh = shlex.join(["ssh", *link.ssh_options()])
        return ["rsync", "-a", "-e", ssh, f"{src}/", f"{link.server.user}@{link.host}:{dst}/"]

    def sftp(link: Link, work: Path, src: Path, dst: Path) -> list[str]:
        batch = work / "sftp.batch"
        batch.write_text(f'put -rp "{src}/." "{dst}"\n')
        options = [o if o != "-p" else "-P" for o in link.ssh_options()]  # sftp's port flag
        return ["sftp", "-q", "-b", str(batch), *options, f"{link.server.user}@{link.host}"]

    return [
        Tool(GUI, gui, run_seconds=lambda work: local.last_run_seconds(work / "gui.db")),
        Tool(RSYNC, rsync),
        Tool(SFTP, sftp, scenarios=("first copy",)),
    ]


def bench_dataset(
    link: Link,
    label: str,
    make: Callable[[Path], None],
    tools: list[Tool],
    work_root: Path,
    repeat: int,
) -> list[local.Result]:
    src = work_root / "src"
    shutil.rmtree(src, ignore_errors=True)
    make(src)
    files = sum(1 for _ in src.rglob("*.dat"))
    total_mb = sum(p.stat().st_size for p in src.rglob("*.dat")) / 1e6
    title = f"{link.label}, {label}"
    results = {
        (t.name, s): local.Result(t.name, f"{title}: {s}", [], files, 0.0)
        for t in tools
        for s in t.scenarios
    }
    env = local.child_env()
    env["HOME"] = str(work_root / "home")  # nobody's ~/.ssh decides anything
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    for rep in range(repeat):
        order = tools[rep % len(tools) :] + tools[: rep % len(tools)]
        works, dests = {}, {}
        for tool in order:
            works[tool.name] = work_root / f"{tool.name}-{rep}".replace(" ", "_")
            works[tool.name].mkdir(parents=True)
            dests[tool.name] = link.server.remote_dir()
        for scenario in SCENARIOS:
            moved_mb = total_mb if scenario == "first copy" else 0.0
            if scenario == "1 % changed":
                moved_mb = total_mb * local.change_one_percent(src, rep) / files
            for tool in order:
                if scenario not in tool.scenarios:
                    continue
                work = works[tool.name]
                cmd = tool.command(link, work, src, dests[tool.name])
                wall, peak, _out = local.run_measured(cmd, work, env)
                result = results[(tool.name, scenario)]
                result.samples.append(local.Sample(wall, tool.run_seconds(work), peak))
                result.megabytes = moved_mb
                run = result.samples[-1].run
                run_text = f"run {run:7.3f} s" if run is not None else " " * 13
                print(
                    f"  [{rep + 1}/{repeat}] {tool.name:<12} {title}: {scenario:<16}"
                    f" wall {wall:7.3f} s  {run_text}  peak {peak:5.0f} MB",
                    flush=True,
                )
        for tool in order:  # the copies must be complete and exact
            check_copy(src, dests[tool.name], tool.name)
            shutil.rmtree(dests[tool.name], ignore_errors=True)
            shutil.rmtree(works[tool.name], ignore_errors=True)
    shutil.rmtree(src, ignore_errors=True)
    return list(results.values())


def check_copy(src: Path, dst: Path, tool: str) -> None:
    wanted = {p.relative_to(src): p.stat().st_size for p in src.rglob("*.dat")}
    found = {p.relative_to(dst): p.stat().st_size for p in dst.rglob("*.dat")}
    if found != wanted:
        missing = len(set(wanted) - set(found))
        raise RuntimeError(f"{tool} left {missing} files missing or sizes differing in {dst}")


def print_table(results: list[local.Result]) -> None:
    print()
    print(
        f"{'scenario (medians)':<44} {'tool':<12} {'wall s':>8} {'run s':>8} {'files/s':>9} "
        f"{'MB/s':>7} {'peak MB':>8} {'÷ rsync':>8} {'÷ sftp':>7}"
    )
    by_key = {(r.scenario, r.tool): r for r in results}
    for r in sorted(results, key=lambda r: (r.scenario, r.tool)):
        gui = r.tool == GUI
        vs_rsync = local.paired(r, by_key.get((r.scenario, RSYNC))) if gui else None
        vs_sftp = local.paired(r, by_key.get((r.scenario, SFTP))) if gui else None
        run = f"{r.run:8.3f}" if r.run is not None else ""
        print(
            f"{r.scenario:<44} {r.tool:<12} {r.wall:8.3f} {run:>8} {r.files / r.wall:9.0f} "
            f"{r.megabytes / r.wall:7.1f} {r.peak_mb:8.0f} {local.times(vs_rsync, 8)} "
            f"{local.times(vs_sftp, 7)}"
        )
    print(
        "Ratios are medians of the repetitions' ratios (each pair ran side by side): oeleo-gui's\n"
        "wall time / the other tool's. Targets: first copy of small files <= 2x rsync, large\n"
        "files <= 1.25x rsync, nothing changed <= 1.5x rsync."
    )


def start_links(names: list[str], delay_ms: float) -> tuple[list[Link], list[Callable[[], None]]]:
    binary = sshd_server.sshd_binary()
    if binary is None or shutil.which("rsync") is None or shutil.which("sftp") is None:
        raise SystemExit("needs sshd (openssh-server), ssh, sftp (openssh-client) and rsync")
    links: list[Link] = []
    cleanups: list[Callable[[], None]] = []
    try:
        if "loopback" in names:
            server = sshd_server.SshdServer.start(binary)
            cleanups.append(server.stop)
            links.append(Link("loopback", server, server.host, server.port, server.known_hosts))
        if "delayed" in names:
            network = DelayedNetwork(delay_ms / 1000)
            cleanups.append(network.close)
            server = sshd_server.SshdServer.start(
                binary, host=network.server_address, command_prefix=network.command_prefix
            )
            cleanups.append(server.stop)  # undone first: sshd goes before its namespace
            host, port = network.endpoint(server.port)
            known = server.write_known_hosts(server.base_dir / "relay_known_hosts", port, host)
            label = f"{delay_ms:g} ms each way ({network.kind})"
            reason = f": netem said {network.netem_error!r}" if network.netem_error else ""
            print(f"delayed network: {label}{reason}")
            links.append(Link(label, server, host, port, known))
    except BaseException:
        for cleanup in reversed(cleanups):
            cleanup()
        raise
    return links, cleanups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=20_000, help="number of 4 KB files (0: none)")
    parser.add_argument("--big", default="20x50,5x200", help="COUNTxMB data sets ('': none)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per scenario")
    parser.add_argument("--networks", default="loopback,delayed")
    parser.add_argument("--delay-ms", type=float, default=1.0, help="added delay, each way")
    parser.add_argument(
        "--dir", type=Path, default=None, help="where data and copies go (/dev/shm: no disk)"
    )
    parser.add_argument("--gui-exe", type=Path, default=None, help="an installed oeleo-gui")
    parser.add_argument(
        "--no-sftp", action="store_true", help="leave sftp out (over 1 ms it takes minutes)"
    )
    args = parser.parse_args()
    if args.dir is not None:
        os.environ["TMPDIR"] = str(args.dir)  # sshd_server's folders too
        tempfile.tempdir = None
    gui_exe = args.gui_exe.resolve() if args.gui_exe else None
    if gui_exe is None:
        shutil.rmtree(GUI_VENV, ignore_errors=True)
        if local.venv_with(GUI_VENV, str(local.ROOT), GUI) is None:
            raise SystemExit("could not install oeleo-gui from this checkout")
        gui_exe = GUI_VENV / "bin" / "oeleo-gui"
    tools = [t for t in make_tools(gui_exe) if not (args.no_sftp and t.name == SFTP)]
    datasets: list[tuple[str, Callable[[Path], None]]] = []
    if args.small:
        datasets.append((f"{args.small} x 4 KB", lambda p: local.make_small_files(p, args.small)))
    for spec in filter(None, args.big.split(",")):
        count, size = (int(x) for x in spec.lower().split("x"))
        datasets.append(
            (f"{count} x {size} MB", lambda p, c=count, s=size: local.make_big_files(p, c, s))
        )
    links, cleanups = start_links(args.networks.split(","), args.delay_ms)
    results: list[local.Result] = []
    try:
        with tempfile.TemporaryDirectory(prefix="oeleo-bench-ssh-") as tmp:
            work_root = Path(tmp)
            (work_root / "home").mkdir()
            for link in links:
                for label, make in datasets:
                    results += bench_dataset(link, label, make, tools, work_root, args.repeat)
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
    print_table(results)
    medians = statistics.median(s.peak_mb for r in results if r.tool == GUI for s in r.samples)
    print(f"oeleo-gui's median peak memory over all runs: {medians:.0f} MB")


if __name__ == "__main__":
    main()
