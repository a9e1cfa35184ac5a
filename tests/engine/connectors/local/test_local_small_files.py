"""`read_small_file` on a local folder, and a connector rooted at a subfolder of the destination."""

from __future__ import annotations

from pathlib import Path

import pytest

from oeleo_gui.engine.connectors import make_connector
from oeleo_gui.engine.connectors.base import STATUS_FOLDER, is_oeleo_path
from oeleo_gui.engine.connectors.local.connector import LocalConnector
from oeleo_gui.engine.errors import FileError
from oeleo_gui.engine.settings.config import settings_from_values


def test_reads_a_small_file_and_says_none_for_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.json").write_bytes(b'{"a": 1}')
    connector = LocalConnector(tmp_path)
    assert connector.read_small_file("sub/a.json", 100) == b'{"a": 1}'
    assert connector.read_small_file("sub/missing.json", 100) is None
    assert connector.read_small_file("sub/a.json", 8) == b'{"a": 1}'  # exactly the limit


def test_a_file_over_the_limit_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "big.json").write_bytes(b"x" * 1000)
    with pytest.raises(FileError, match=r"big\.json .* is larger than 999 bytes"):
        LocalConnector(tmp_path).read_small_file("big.json", 999)


def test_a_folder_in_place_of_the_file_is_a_file_error(tmp_path: Path) -> None:
    (tmp_path / "a.json").mkdir()
    with pytest.raises(FileError, match=r"Cannot read a\.json"):
        LocalConnector(tmp_path).read_small_file("a.json", 100)


def test_make_connector_can_root_at_the_status_folder(tmp_path: Path) -> None:
    status = tmp_path / "dest" / ".oeleo" / "status"
    status.mkdir(parents=True)
    (status / "XRD.json").write_text("{}")
    (tmp_path / "dest" / "data.res").write_text("data")
    settings = settings_from_values(
        {
            "OELEO_BASE_DIR_FROM": str(tmp_path / "src"),
            "OELEO_BASE_DIR_TO": str(tmp_path / "dest"),
            "OELEO_FILTER_EXTENSION": ".res",
        }
    )
    connector = make_connector(settings, subfolder=STATUS_FOLDER)
    assert sorted(connector.list_files(recursive=False)) == ["XRD.json"]
    assert sorted(make_connector(settings).list_files(recursive=False)) == ["data.res"]


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        (".oeleo/status/a.json", True),
        (".oeleo", True),
        (".oeleo-x/a.json", False),
        ("data/.oeleo/a.json", False),
        ("a.res", False),
    ],
)
def test_oeleo_paths(path: str, inside: bool) -> None:
    assert is_oeleo_path(path) is inside
