"""One instance per configuration: the second launch wakes the first; a crash's lock is stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from oeleo_gui.gui.single_instance import SingleInstance, instance_key


def test_second_instance_tells_the_first_to_show_itself(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = instance_key(tmp_path / ".env")
    first = SingleInstance(key, tmp_path)
    second = SingleInstance(key, tmp_path)
    try:
        assert first.acquire()
        assert not second.acquire()
        with qtbot.waitSignal(first.activation_requested, timeout=5_000):
            assert second.notify_running()
    finally:
        second.release()
        first.release()
    third = SingleInstance(key, tmp_path)
    assert third.acquire()  # released cleanly: the next start gets it
    third.release()


def test_other_configurations_do_not_block(tmp_path: Path) -> None:
    a = SingleInstance(instance_key(tmp_path / "a.env"), tmp_path)
    b = SingleInstance(instance_key(tmp_path / "b.env"), tmp_path)
    try:
        assert a.acquire()
        assert b.acquire()
    finally:
        a.release()
        b.release()


def test_stale_lock_after_a_crash_does_not_block(tmp_path: Path) -> None:
    key = instance_key(tmp_path / ".env")
    crash = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from oeleo_gui.gui.single_instance import SingleInstance\n"
        "app = QCoreApplication([])\n"
        f"inst = SingleInstance({key!r}, Path({str(tmp_path)!r}))\n"
        "assert inst.acquire()\n"
        "os._exit(0)  # dies holding the lock, as a crash would\n"
    )
    subprocess.run([sys.executable, "-c", crash], check=True, timeout=60)
    lock = tmp_path / f"{key}.lock"
    assert lock.exists()
    after = SingleInstance(key, tmp_path)
    try:
        assert after.acquire()
    finally:
        after.release()


def test_key_depends_on_the_configuration(tmp_path: Path) -> None:
    assert instance_key(tmp_path / "a.env") != instance_key(tmp_path / "b.env")
    assert instance_key(tmp_path / "a.env") == instance_key(tmp_path / "x" / ".." / "a.env")
