"""`FileListStore(":memory:")`: a private database per store, never a file (scripting API)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from oeleo_gui.engine.bookkeeping.migrations import LATEST_VERSION, user_version
from oeleo_gui.engine.bookkeeping.store import IN_MEMORY, FileListStore, is_in_memory
from oeleo_gui.engine.events import FileCode


@pytest.fixture
def in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_two_in_memory_stores_are_separate_and_leave_no_file(in_cwd: Path) -> None:
    first, second = FileListStore(Path(IN_MEMORY)), FileListStore(IN_MEMORY)
    try:
        assert first.in_memory and second.in_memory
        first.record_copies([("a.res", "/dst/a.res", "0" * 32, 3, 1)])
        assert first.get("a.res") is not None
        assert second.get("a.res") is None
        assert user_version(first.db) == LATEST_VERSION  # the same schema as a file
    finally:
        first.close()
        second.close()
    assert list(in_cwd.iterdir()) == []


def test_an_in_memory_store_is_the_same_database_in_another_thread(in_cwd: Path) -> None:
    store = FileListStore(IN_MEMORY)
    store.set_code(["locked.res"], FileCode.LOCKED)
    seen: list[object] = []
    reader = threading.Thread(target=lambda: seen.append(store.get("locked.res")))
    reader.start()
    reader.join(timeout=10)
    store.close()
    assert len(seen) == 1 and getattr(seen[0], "code", None) is FileCode.LOCKED


def test_read_only_rows_of_memory_is_empty_even_beside_a_file_named_so(in_cwd: Path) -> None:
    with FileListStore(in_cwd / "real.db") as real:
        real.record_copies([("a.res", "/dst/a.res", "0" * 32, 3, 1)])
    (in_cwd / "real.db").rename(in_cwd / IN_MEMORY)  # what an older version left behind
    assert FileListStore.read_only_rows(Path(IN_MEMORY)) == {}
    with FileListStore(IN_MEMORY) as fresh:
        assert fresh.get("a.res") is None
    assert is_in_memory(IN_MEMORY) and not is_in_memory(in_cwd / IN_MEMORY)
