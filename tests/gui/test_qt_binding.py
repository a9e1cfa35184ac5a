"""The installed Qt binding must not leak references on void calls (PySide6 6.12.0 on 3.11 does)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_keep_none_and_bools_alive(qapp) -> None:
    obj = QObject()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(20_000):
        obj.setObjectName("tray")
        obj.blockSignals(False)
    # A leaking binding lowers these by ~20 000 and aborts the process within minutes.
    assert abs(sys.getrefcount(None) - none_before) < 1000
    assert abs(sys.getrefcount(True) - true_before) < 1000
