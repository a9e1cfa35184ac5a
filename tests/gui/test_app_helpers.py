"""Autostart entries, the demo configuration, the headless schedule and resource lookup."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oeleo_gui.demo import GROWING_FILE, SETTLED_FILES, create_demo, grow
from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.settings.config import load_settings, settings_from_values
from oeleo_gui.gui import autostart, headless
from oeleo_gui.gui.resources import APP_ICON, icon_path, resource_roots


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux-only")
def test_autostart_toggle_writes_and_removes_the_desktop_entry(tmp_path: Path) -> None:
    entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "oeleo-gui.desktop"
    assert not autostart.is_enabled()  # off by default
    autostart.set_enabled(True, tmp_path / "lab.env")
    assert autostart.is_enabled()
    text = entry.read_text()
    assert "Exec=" in text and "-m oeleo_gui --env" in text and str(tmp_path / "lab.env") in text
    autostart.set_enabled(False)
    assert not entry.exists()
    assert not autostart.is_enabled()


def test_demo_makes_a_working_configuration(tmp_path: Path) -> None:
    setup = create_demo(tmp_path / "demo")
    settings = load_settings(setup.env_file)
    assert settings.source == setup.source
    assert settings.settle_seconds == 20
    assert settings.run_interval_seconds < 20
    names = sorted(p.name for p in setup.source.iterdir())
    assert names == sorted([*SETTLED_FILES, GROWING_FILE])
    size = setup.growing_file.stat().st_size
    grow(setup, 1)
    assert setup.growing_file.stat().st_size > size
    again = create_demo(tmp_path / "demo")  # a restart resets the demo
    assert again.growing_file.stat().st_size == size


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "precious.txt").write_text("keep")
    with pytest.raises(FileExistsError):
        create_demo(tmp_path / "demo")
    assert (tmp_path / "demo" / "precious.txt").exists()


def test_headless_loop_runs_like_upstream(tmp_path: Path) -> None:
    setup = create_demo(tmp_path / "demo")
    settings = settings_from_values(
        {
            "OELEO_BASE_DIR_FROM": str(setup.source),
            "OELEO_BASE_DIR_TO": str(setup.destination),
            "OELEO_FILTER_EXTENSION": ".res;.csv",
            "OELEO_DB_NAME": str(tmp_path / "db.sqlite"),
            "OELEO_LOG_DIR": str(tmp_path / "logs"),
            "OA_FROM_YEAR": "2000",
            "OELEO_SETTLE_SECONDS": "0",
            "OA_MAX_RUN_INTERVALS": "2",
            "OA_HOURS_SLEEP": "0",
            "OA_ADD_CHECK": "true",
        }
    )
    assert headless.run_schedule(settings, cancel=CancelToken()) == headless.EXIT_OK
    assert sorted(p.name for p in setup.destination.iterdir() if p.name != ".oeleo") == sorted(
        [*SETTLED_FILES, GROWING_FILE]
    )


def test_headless_stops_at_once_when_cancelled(tmp_path: Path) -> None:
    setup = create_demo(tmp_path / "demo")
    settings = load_settings(setup.env_file)
    cancel = CancelToken()
    cancel.cancel()
    t0 = time.monotonic()
    headless.run_schedule(settings, cancel=cancel)
    assert time.monotonic() - t0 < 5


def test_headless_run_never_loads_qt(tmp_path: Path) -> None:
    env = tmp_path / "bad.env"
    env.write_text("OELEO_FILTER_EXTENSION=.res\n")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from oeleo_gui.gui.app import run_tray\n"
        f"rc = run_tray(Path({str(env)!r}), headless=True)\n"
        "assert 'PySide6' not in sys.modules, 'Qt was loaded'\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == headless.EXIT_CONFIG, result.stderr
    assert "OELEO_BASE_DIR_TO" in result.stderr
    assert "Traceback" not in result.stderr


def test_resources_are_found_in_the_checkout() -> None:
    assert icon_path(APP_ICON) is not None
    assert icon_path(APP_ICON, suffix=".ico") is not None
    assert any(str(r).endswith("share/oeleo-gui/resources") for r in resource_roots())


def test_resources_prefer_a_pyinstaller_bundle(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    (tmp_path / "resources" / "icons" / "tray-idle.svg").write_text("<svg/>")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert icon_path("tray-idle") == tmp_path / "resources" / "icons" / "tray-idle.svg"
