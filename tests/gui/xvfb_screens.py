"""Run by test_tray_xvfb.py in its own process, on a real X server with trayer as the tray host.

Starts the tray app on a small local configuration, waits for one whole run, then opens the tray
menu by right-clicking the icon (xdotool), hovers *Pause* for its submenu and hovers the icon for
the tooltip, grabbing the screen each time. Writes the PNGs and a JSON description of the menu
and tooltip to the given folder.
Usage: python xvfb_screens.py OUT_DIR
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, QRect
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QToolTip

import oeleo_gui.gui  # noqa: F401 - the PySide6 6.12 / Python 3.11 guard, before any Qt call
from oeleo_gui.gui.tray_app import TrayApp
from oeleo_gui.gui.tray_view import IconState, MenuItem

DEADLINE = 20.0


def wait_until(app: QApplication, condition: Callable[[], bool], what: str) -> None:
    """Process events until `condition` holds; fail after DEADLINE seconds."""
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def settle(app: QApplication, seconds: float) -> None:
    """Let the X server paint (compositing a freshly mapped popup takes a few frames)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def xdotool(*args: str) -> bool:
    try:
        subprocess.run(["xdotool", *args], check=True, timeout=10, capture_output=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def make_config(root: Path) -> Path:
    src, dst = root / "instrument", root / "server"
    src.mkdir()
    dst.mkdir()
    old = time.time() - 3600
    for i in range(1, 13):
        path = src / f"cell_{i:04d}.res"
        path.write_bytes(b"x" * (1000 * i))
        os.utime(path, (old, old))
    env = root / ".env"
    env.write_text(
        f"OELEO_BASE_DIR_FROM={src}\nOELEO_BASE_DIR_TO={dst}\nOELEO_FILTER_EXTENSION=.res\n"
        f"OELEO_DB_NAME={root / 'db.sqlite'}\nOELEO_LOG_DIR={root / 'logs'}\n"
        "OELEO_SETTLE_SECONDS=0\nOA_FROM_YEAR=2000\nOA_HOURS_SLEEP=0.5\n"
    )
    return env


def grab(app: QApplication, rect: QRect, target: Path) -> None:
    screen = app.primaryScreen()
    rect = rect.intersected(screen.geometry())
    pixmap = screen.grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
    if not pixmap.save(str(target)):
        raise SystemExit(f"cannot write {target}")


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    wait_until(app, QSystemTrayIcon.isSystemTrayAvailable, "the system tray")
    with tempfile.TemporaryDirectory() as tmp:
        tray_app = TrayApp(make_config(Path(tmp)), confirm=lambda _q: True)
        tray_app.start()
        wait_until(
            app,
            lambda: tray_app.view is not None and tray_app.view.state is IconState.IDLE,
            "the first run to finish",
        )
        tray = tray_app.tray.tray
        wait_until(app, lambda: tray.geometry().isValid() and tray.geometry().width() > 0, "icon")
        icon = tray.geometry()
        centre = icon.center()
        screen_rect = app.primaryScreen().geometry()

        # The menu, opened the way a technician opens it: a right click on the icon.
        menu = tray_app.tray.menu
        clicked = xdotool("mousemove", str(centre.x()), str(centre.y()), "click", "3")
        if clicked:
            end = time.monotonic() + 5
            while not menu.isVisible() and time.monotonic() < end:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        opened_by_click = menu.isVisible()
        if not opened_by_click:
            menu.popup(QPoint(centre.x(), icon.bottom() + 1))
        wait_until(app, menu.isVisible, "the menu")
        settle(app, 0.5)
        region = menu.geometry().united(icon).adjusted(-24, 0, 24, 16)
        region.setTop(screen_rect.top())
        grab(app, region, out / "tray-menu.png")
        items = [
            {
                "text": a.text(),
                "enabled": a.isEnabled(),
                "checkable": a.isCheckable(),
                "checked": a.isChecked(),
            }
            for a in menu.actions()
            if not a.isSeparator() and a.isVisible()
        ]

        # The Pause submenu, opened by resting the pointer on "Pause" as a technician does.
        pause = tray_app.tray.submenus[MenuItem.PAUSE]
        pause_rect = menu.actionGeometry(pause.menuAction())
        spot = menu.mapToGlobal(pause_rect.center())
        hovered = xdotool("mousemove", str(spot.x()), str(spot.y()))
        end = time.monotonic() + 5
        while hovered and not pause.isVisible() and time.monotonic() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        pause_by_hover = pause.isVisible()
        if not pause_by_hover:
            menu.setActiveAction(pause.menuAction())
            pause.popup(menu.mapToGlobal(pause_rect.topRight()))
        wait_until(app, pause.isVisible, "the Pause submenu")
        settle(app, 0.5)
        region = menu.geometry().united(pause.geometry()).united(icon).adjusted(-24, 0, 24, 16)
        region.setTop(screen_rect.top())
        grab(app, region, out / "tray-pause-menu.png")
        pause_items = [a.text() for a in pause.actions() if not a.isSeparator()]
        pause.hide()
        menu.hide()
        wait_until(app, lambda: not menu.isVisible(), "the menu to close")

        # The tooltip: hover the icon; fall back to showing the same text where Qt would.
        xdotool("mousemove", str(centre.x() - 40), str(centre.y() + 200))
        settle(app, 0.2)
        xdotool("mousemove", str(centre.x()), str(centre.y()))
        end = time.monotonic() + 4
        while not QToolTip.isVisible() and time.monotonic() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        tooltip_by_hover = QToolTip.isVisible()
        if not tooltip_by_hover:
            QToolTip.showText(QPoint(centre.x(), icon.bottom() + 4), tray.toolTip())
        wait_until(app, QToolTip.isVisible, "the tooltip")
        settle(app, 0.5)
        tip = next(w for w in app.topLevelWidgets() if w.inherits("QTipLabel") and w.isVisible())
        region = tip.geometry().united(icon).adjusted(-24, 0, 24, 16)
        region.setTop(screen_rect.top())
        grab(app, region, out / "tray-tooltip.png")

        (out / "tray.json").write_text(
            json.dumps(
                {
                    "items": items,
                    "pause_items": pause_items,
                    "pause_by_hover": pause_by_hover,
                    "tooltip": tray.toolTip(),
                    "shown_tooltip": QToolTip.text(),
                    "icon": [icon.x(), icon.y(), icon.width(), icon.height()],
                    "opened_by_click": opened_by_click,
                    "tooltip_by_hover": tooltip_by_hover,
                },
                indent=2,
            )
        )
        tray_app.shutdown()
        if not tray_app.engine.thread.isFinished():
            raise SystemExit("the engine thread did not stop")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
