"""Status records as an instrument writes them, for reading tests (the writer has its own tests)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oeleo_gui.engine.lab.format import RECORD_KIND, RECORD_VERSION

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def make_record(name: str = "XRD-1", *, age: float = 60.0, **changes: Any) -> dict[str, Any]:
    """A safe instrument's record written `age` seconds before NOW; `status_*` keys change
    the status part (`status_safe=False`)."""
    status: dict[str, Any] = {
        "safe": True,
        "state": "idle",
        "stopped": False,
        "summary": "All 12 files copied.",
        "reasons": [],
        "counts": {
            "matched": 12,
            "copied": 12,
            "waiting": 0,
            "live": 0,
            "failed": 0,
            "locked": 1,
            "not_copied": 0,
        },
        "oldest_unsynced": None,
        "waiting": [],
        "failed": [],
        "live": [],
    }
    for key in [k for k in changes if k.startswith("status_")]:
        status[key.removeprefix("status_")] = changes.pop(key)
    record: dict[str, Any] = {
        "record": RECORD_KIND,
        "version": RECORD_VERSION,
        "instrument": name,
        "computer": "LAB-PC-7",
        "app_version": "1.0",
        "written_at": (NOW - timedelta(seconds=age)).isoformat(),
        "interval_seconds": 1800.0,
        "last_run": (NOW - timedelta(seconds=age + 5)).isoformat(),
        "last_success": (NOW - timedelta(seconds=age + 5)).isoformat(),
        "next_run": (NOW + timedelta(seconds=1800 - age)).isoformat(),
        "status": status,
        "settings": {"source folder": "C:\\data", "files": ".res", "subfolders": True},
    }
    record.update(changes)
    return record


@pytest.fixture
def status_dir(tmp_path: Path) -> Path:
    """A destination folder's `.oeleo/status`, made."""
    path = tmp_path / "server share" / ".oeleo" / "status"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def put_record(status_dir: Path) -> Callable[..., Path]:
    def put(stem: str, record: dict[str, Any] | bytes | str) -> Path:
        path = status_dir / f"{stem}.json"
        if isinstance(record, dict):
            record = json.dumps(record)
        path.write_bytes(record.encode() if isinstance(record, str) else record)
        return path

    return put
