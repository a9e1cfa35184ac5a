"""The real tray on a real X server: Xvfb, trayer as the tray host, screenshots for the docs.

The test process itself stays on the offscreen platform; the tray runs in a child process
(`xvfb_screens.py`) with DISPLAY set. Readiness is waited for with deadlines (xdpyinfo answers,
trayer's window exists), never with fixed sleeps. The PNGs go to docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.xvfb_server import TrayHost, answers, start_xvfb, stop

pytestmark = pytest.mark.xvfb

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
SCRIPT = Path(__file__).with_name("xvfb_screens.py")
DEADLINE = 30.0


def wait_for(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)  # allow-sleep: polling an external process, with a deadline


@pytest.fixture(scope="module")
def x_display() -> Iterator[dict[str, str]]:
    """Xvfb with trayer on it; yields the environment for a child process using it."""
    missing = [b for b in ("Xvfb", "trayer", "xdpyinfo", "xdotool") if shutil.which(b) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt install xvfb trayer x11-utils xdotool)")
    xvfb, display = start_xvfb("1280x800x24")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    tray_host = TrayHost(env, "--height", "24", "--transparent", "false", "--tint", "0xdddddd")
    try:
        wait_for(lambda: answers("xdpyinfo", env=env), "Xvfb")
        wait_for(tray_host.is_up, "trayer")
        yield env
    finally:
        tray_host.stop()
        stop(xvfb)


def test_tray_menu_and_tooltip_screenshots(x_display: dict[str, str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)],
        env=x_display,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "tray.json").read_text())

    items = report["items"]
    assert items[0]["text"].startswith("All 12 files copied · ")
    assert not items[0]["enabled"]  # the status line
    assert [(i["text"], i["enabled"]) for i in items[1:]] == [
        ("Sync now", True),
        ("Check against destination", True),
        ("Pause", True),
        ("Settings…", True),
        ("File list…", True),
        ("Open log", True),
        ("Open source folder", True),
        ("Start at login", True),
        ("About", True),
        ("Quit", True),
    ]
    assert report["pause_items"] == [
        "For 30 minutes",
        "For 1 hour",
        "Until tomorrow 07:00",
        "Until I resume",
    ]
    login = next(i for i in items if i["text"] == "Start at login")
    assert login["checkable"] and not login["checked"]
    assert report["opened_by_click"], "the menu did not open from a right click on the icon"
    tooltip = report["tooltip"]
    assert tooltip.startswith("oeleo-gui — all files copied")
    assert "Files copied: 12" in tooltip and "Next run: " in tooltip
    assert report["shown_tooltip"] == tooltip

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in ("tray-menu.png", "tray-pause-menu.png", "tray-tooltip.png"):
        produced = tmp_path / name
        assert produced.stat().st_size > 1000, name
        shutil.copyfile(produced, SCREENSHOTS / name)
