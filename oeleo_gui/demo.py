"""`oeleo-gui --demo`: a ready-made configuration under the user's data folder.

Makes `<user data>/demo/` with a source folder of instrument-like files (one still "being
written"), an empty local destination and a `.env` with a short settle time and interval, so a
newcomer sees pending → syncing → idle within a minute. Every start resets the demo. The tray
keeps the growing file growing for ~30 s by calling `grow` from a timer. Imports no Qt.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oeleo_gui.engine.settings.paths import user_data_dir

MARKER = ".oeleo-demo"
SETTLE_SECONDS = 20
HOURS_SLEEP = 0.0035  # 12.6 s between runs
GROW_INTERVAL_MS = 5_000
GROW_TIMES = 5  # 25 s of writing: settled at ~45 s, copied by the run at ~50 s
SETTLED_FILES = {
    "cell_0001_cycling.res": 48_000,
    "cell_0002_cycling.res": 96_000,
    "cell_0003_rate-test.res": 64_000,
    "cell_0003_summary.csv": 4_000,
}
GROWING_FILE = "cell_0004_cycling.res"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSetup:
    root: Path
    env_file: Path
    source: Path
    destination: Path
    growing_file: Path


def demo_root() -> Path:
    return user_data_dir() / "demo"


def create_demo(root: Path | None = None, *, clock: Callable[[], float] = time.time) -> DemoSetup:
    """(Re)create the demo folders and `.env`; returns where everything is."""
    root = root or demo_root()
    if root.exists():
        if not (root / MARKER).is_file():
            raise FileExistsError(f"{root} exists and was not made by the demo; not touching it")
        shutil.rmtree(root)
    source, destination = root / "instrument-data", root / "data-server"
    source.mkdir(parents=True)
    destination.mkdir()
    (root / MARKER).write_text("made by oeleo-gui --demo; deleted on the next demo start\n")
    an_hour_ago = clock() - 3600
    for i, (name, size) in enumerate(SETTLED_FILES.items()):
        path = source / name
        path.write_bytes(_instrument_bytes(name, size))
        os.utime(path, (an_hour_ago + i, an_hour_ago + i))
    growing = source / GROWING_FILE
    growing.write_bytes(_instrument_bytes(GROWING_FILE, 8_000))
    env_file = root / ".env"
    env_file.write_text(
        "# oeleo-gui demo configuration (made by `oeleo-gui --demo`)\n"
        f"OELEO_BASE_DIR_FROM={source}\n"
        f"OELEO_BASE_DIR_TO={destination}\n"
        "OELEO_DESTINATION_TYPE=local\n"
        "OELEO_FILTER_EXTENSION=.res;.csv\n"
        "OA_FROM_YEAR=2000\n"
        f"OELEO_SETTLE_SECONDS={SETTLE_SECONDS}\n"
        f"OA_HOURS_SLEEP={HOURS_SLEEP}\n"
        "OA_MAX_RUN_INTERVALS=0\n"
        "OELEO_WATCH_FOLDER=false\n"
        f"OELEO_DB_NAME={root / 'oeleo-file-list.db'}\n"
        f"OELEO_LOG_DIR={root / 'logs'}\n",
        encoding="utf-8",
    )
    return DemoSetup(
        root=root, env_file=env_file, source=source, destination=destination, growing_file=growing
    )


def grow(setup: DemoSetup, step: int) -> None:
    """Append one block to the file "being written", as an instrument would."""
    with setup.growing_file.open("ab") as fh:
        fh.write(f"step {step}\n".encode() + _instrument_bytes(GROWING_FILE, 4_000))


def _instrument_bytes(name: str, size: int) -> bytes:
    header = f"# {name}\n# cycle,voltage_V,current_A\n".encode()
    rows = b"".join(
        f"{i},{3.0 + (i % 120) / 100:.3f},{0.5 - (i % 50) / 100:.3f}\n".encode()
        for i in range(size // 18 + 1)
    )
    return (header + rows)[:size]
