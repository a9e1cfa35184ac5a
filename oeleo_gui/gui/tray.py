"""The tray icon and its menu: `TrayIcon` displays a `TrayView` and decides nothing.

`TrayIcon` owns the QSystemTrayIcon and QMenu, applies a `TrayView` and reports chosen items as
`action_triggered(MenuItem)`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QSystemTrayIcon

from oeleo_gui.gui.notifier import Notice
from oeleo_gui.gui.resources import icon_path
from oeleo_gui.gui.tray_view import MENU_ORDER, SEPARATOR_AFTER, SUBMENUS, MenuItem, TrayView

log = logging.getLogger(__name__)

NOTICE_MS = 10_000


class TrayIcon(QObject):
    """Displays a TrayView in the system tray; menu choices come out as `action_triggered`."""

    action_triggered = Signal(object)  # MenuItem
    activated = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons: dict[str, QIcon] = {}
        self.menu = QMenu()
        self.menu.setObjectName("oeleo-tray-menu")
        self.status_action = self.menu.addAction("")
        self.status_action.setEnabled(False)
        self.menu.addSeparator()
        self.actions: dict[MenuItem, QAction] = {}
        self.submenus: dict[MenuItem, QMenu] = {}
        for item in MENU_ORDER:
            if item in SUBMENUS:
                submenu = self.menu.addMenu(item.value)
                submenu.setObjectName(f"menu_{item.value}")
                self.submenus[item] = submenu
                self.actions[item] = submenu.menuAction()
                for sub_item in SUBMENUS[item]:
                    self._add_action(submenu, sub_item)
            else:
                self._add_action(self.menu, item)
            if item in SEPARATOR_AFTER:
                self.menu.addSeparator()
        self.tray = QSystemTrayIcon(self)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._on_tray_activated)
        self.view: TrayView | None = None

    def _add_action(self, menu: QMenu, item: MenuItem) -> None:
        action = menu.addAction(item.value)
        action.setObjectName(f"action_{item.value}")
        action.triggered.connect(lambda _checked=False, it=item: self.action_triggered.emit(it))
        self.actions[item] = action

    def icon(self, name: str) -> QIcon:
        if name not in self._icons:
            path = icon_path(name)
            icon = QIcon(str(path)) if path is not None else QIcon()
            if icon.isNull() and path is not None:
                png = path.with_suffix(".png")  # no SVG image plugin (a trimmed bundle)
                icon = QIcon(str(png)) if png.is_file() else icon
            if icon.isNull():
                log.warning("icon %s not found; using a standard icon", name)
                style = QApplication.style()
                icon = style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon)
            self._icons[name] = icon
        return self._icons[name]

    def apply(self, view: TrayView) -> None:
        if self.view is None or view.icon_name != self.view.icon_name:
            self.tray.setIcon(self.icon(view.icon_name))
        self.tray.setToolTip(view.tooltip)
        self.status_action.setText(view.status_line)
        for entry in view.entries:
            action = self.actions[entry.item]
            action.setText(entry.label)
            action.setEnabled(entry.enabled)
            action.setCheckable(entry.checkable)
            action.setChecked(entry.checked)
            action.setVisible(entry.visible)
        self.view = view

    def show(self) -> None:
        self.tray.show()

    def hide(self) -> None:
        self.tray.hide()

    def show_notice(self, notice: Notice) -> None:
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if notice.is_error
            else QSystemTrayIcon.MessageIcon.Information
        )
        log.info("notification: %s — %s", notice.title, notice.message)
        self.tray.showMessage(notice.title, notice.message, kind, NOTICE_MS)

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.activated.emit()
