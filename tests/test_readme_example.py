"""The README's port of oeleo's local-folder example runs unchanged (one loop turn)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


class OneTurnDone(Exception):
    pass


def ported_example() -> str:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- ported-example -->", 1)[1]
    return re.search(r"```python\n(.*?)```", block, re.S).group(1)  # type: ignore[union-attr]


def test_ported_example_only_changed_its_imports() -> None:
    code = ported_example()
    assert "from oeleo." not in code and "from oeleo_gui.api import Worker" in code


def test_ported_example_copies_files(tmp_path: Path, monkeypatch) -> None:
    src, dst = tmp_path / "from", tmp_path / "to"
    src.mkdir()
    dst.mkdir()
    old = time.time() - 3600
    for name in ("a.csv", "b.csv", "skip.txt"):
        (src / name).write_text(name)
        os.utime(src / name, (old, old))
    (tmp_path / ".env").write_text(
        f"OELEO_BASE_DIR_FROM={src}\nOELEO_BASE_DIR_TO={dst}\nOELEO_FILTER_EXTENSION=.csv\n"
        f"OELEO_DB_NAME={tmp_path / 'local2pub.db'}\nOELEO_LOG_DIR={tmp_path / 'logs'}\n"
    )
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("OELEO_", "OA_"))]:
        monkeypatch.delenv(key)

    def stop_after_one_turn(seconds: float) -> None:
        assert seconds == 300
        raise OneTurnDone

    monkeypatch.setattr(time, "sleep", stop_after_one_turn)
    script = tmp_path / "copy_files.py"  # where a technician keeps it, beside the .env
    script.write_text(ported_example())
    code = compile(script.read_text(), str(script), "exec")
    try:
        with pytest.raises(OneTurnDone):
            exec(code, {"__name__": "__main__"})  # noqa: S102
    finally:  # the example's load_dotenv() wrote these into the real environment
        for key in [k for k in os.environ if k.startswith(("OELEO_", "OA_"))]:
            os.environ.pop(key)
    assert sorted(p.name for p in dst.iterdir()) == [".oeleo", "a.csv", "b.csv"]  # + status
    assert (tmp_path / "oeleo.log").exists()  # start_logger() ran before load_dotenv(): cwd
