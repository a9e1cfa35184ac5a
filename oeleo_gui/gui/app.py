"""`run_tray`: the entry the CLI calls when no subcommand is given.

Decides between the tray and the log-only schedule (`--headless`, or no system tray), makes the
demo configuration for `--demo`, enforces one instance per configuration, sets up the
QApplication (it must not quit when the last window closes) and runs `TrayApp`. Qt is imported
only on the tray path, so `--headless` never loads PySide6.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from oeleo_gui.engine.settings.paths import find_env_file, user_data_dir

log = logging.getLogger(__name__)

APP_ID = "oeleo-gui"


def run_tray(env_file: Path | None, *, demo: bool = False, headless: bool = False) -> int:
    """Run the tray app (or the headless schedule) until Quit; returns the exit code."""
    demo_setup = None
    if demo:
        from oeleo_gui.demo import create_demo

        demo_setup = create_demo()
        env_file = demo_setup.env_file
    path = find_env_file(env_file)
    if headless:
        from oeleo_gui.gui.headless import run_headless

        return run_headless(path)
    return _run_qt(path, demo_setup)


def _run_qt(env_file: Path | None, demo_setup: object) -> int:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from oeleo_gui.gui.headless import run_headless
    from oeleo_gui.gui.resources import APP_ICON, icon_path
    from oeleo_gui.gui.single_instance import SingleInstance, instance_key
    from oeleo_gui.gui.tray_app import TrayApp

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # noqa: S101 - a QCoreApplication cannot show a tray
    app.setApplicationName(APP_ID)
    app.setOrganizationName(APP_ID)
    app.setQuitOnLastWindowClosed(False)  # closing Settings must not end the tray app
    app_icon = icon_path(APP_ICON)
    if app_icon is not None:
        app.setWindowIcon(QIcon(str(app_icon)))

    if not QSystemTrayIcon.isSystemTrayAvailable():
        log.warning("no system tray available; running the schedule with log-only reporting")
        return run_headless(env_file)

    lock_dir = user_data_dir()
    lock_dir.mkdir(parents=True, exist_ok=True)
    instance = SingleInstance(instance_key(env_file), lock_dir)
    if not instance.acquire():
        answered = instance.notify_running()
        log.info("oeleo-gui already runs for this configuration (answered: %s)", answered)
        return 0

    from oeleo_gui.demo import DemoSetup

    tray_app = TrayApp(
        env_file,
        quit_app=app.quit,
        demo=demo_setup if isinstance(demo_setup, DemoSetup) else None,
    )
    instance.activation_requested.connect(tray_app.show_self)
    app.aboutToQuit.connect(tray_app.shutdown)
    tray_app.start()
    try:
        return int(app.exec())
    finally:
        tray_app.shutdown()
        instance.release()
