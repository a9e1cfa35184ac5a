"""Reading every record of a status folder: worst first, odd files skipped, bad ones unreadable,
a missing folder is "no record yet", an unreachable one a problem in words."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.connectors.ssh.connector import SshConnector
from oeleo_gui.engine.lab.format import RECORD_MAX_BYTES
from oeleo_gui.engine.lab.overview import Verdict
from oeleo_gui.engine.lab.reading import folder_source, read_overview
from oeleo_gui.engine.settings.config import SshSettings
from tests.engine.lab.conftest import NOW, make_record


def clock() -> float:
    return NOW.timestamp()


def test_every_record_worst_first(status_dir: Path, put_record: Callable[..., Path]) -> None:
    put_record("b-safe", make_record("B safe"))
    put_record("a-safe", make_record("a safe"))
    put_record("silent", make_record("Old one", age=10 * 3600))
    put_record("broken", b'{"record": "oeleo')
    put_record("error", make_record("Err", status_safe=False, status_stopped=True))
    put_record("behind", make_record("Late", status_safe=False, status_state="pending"))
    (status_dir / ".XRD.json.0123abcd.oeleo-part").write_text("{")  # a record being written
    (status_dir / "notes.txt").write_text("not a record")
    (status_dir / "sub").mkdir()
    (status_dir / "sub" / "nested.json").write_text("{}")

    overview = read_overview([folder_source(status_dir.parent.parent)], clock=clock)
    assert [(r.name, r.verdict) for r in overview.rows] == [
        ("Err", Verdict.ERROR),
        ("Old one", Verdict.SILENT),
        ("broken", Verdict.UNREADABLE),
        ("Late", Verdict.BEHIND),
        ("a safe", Verdict.SAFE),
        ("B safe", Verdict.SAFE),
    ]
    assert not overview.all_safe
    assert overview.problems == ()
    assert overview.locations == (str(status_dir),)
    json.dumps(overview.to_json())  # plain JSON all the way down


def test_all_safe_needs_at_least_one_instrument(
    status_dir: Path, put_record: Callable[..., Path]
) -> None:
    assert not read_overview([LocalConnector(status_dir)], clock=clock).all_safe
    put_record("one", make_record())
    overview = read_overview([LocalConnector(status_dir)], clock=clock)
    assert overview.all_safe
    assert overview.to_json()["all_safe"] is True


def test_an_oversized_record_is_not_read(status_dir: Path, put_record: Callable[..., Path]) -> None:
    put_record("huge", b" " * (RECORD_MAX_BYTES + 1))
    [row] = read_overview([LocalConnector(status_dir)], clock=clock).rows
    assert row.verdict is Verdict.UNREADABLE
    assert f"larger than {RECORD_MAX_BYTES} bytes" in row.reason


def test_the_status_folder_itself_may_be_given(
    status_dir: Path, put_record: Callable[..., Path]
) -> None:
    put_record("one", make_record())
    assert len(read_overview([folder_source(status_dir)], clock=clock).rows) == 1


def test_no_status_folder_yet_is_no_record_not_a_problem(tmp_path: Path) -> None:
    overview = read_overview([folder_source(tmp_path)], clock=clock)
    assert (overview.rows, overview.problems, overview.all_safe) == ((), (), False)


def test_an_unreachable_folder_is_a_problem_and_others_are_still_read(
    status_dir: Path, put_record: Callable[..., Path], tmp_path: Path
) -> None:
    put_record("one", make_record())
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = SshSettings(
        host="127.0.0.1", port=port, username="lab", key_filename=None, password="pw"
    )
    nobody = SshConnector(settings, "/srv/data/.oeleo/status", connect_timeout=5)
    overview = read_overview([nobody, LocalConnector(status_dir)], clock=clock)
    assert [r.name for r in overview.rows] == ["XRD-1"]
    assert len(overview.problems) == 1
    assert f"127.0.0.1:{port}" in overview.problems[0]
    assert "pw" not in overview.problems[0]
    assert not overview.all_safe
