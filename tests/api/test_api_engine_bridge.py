"""How the API hands a worker to the engine: destination names from `external_name_generator`,
and the filter narrowed to the chosen files."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from oeleo_gui.api.engine_bridge import ChosenNames, relative_destination
from oeleo_gui.api.errors import ScriptConfigError
from oeleo_gui.engine.filters import FileFilter


@pytest.mark.parametrize(
    ("produced", "directory", "expected"),
    [
        (Path("dst/sub/a.res"), Path("dst"), "sub/a.res"),  # upstream's default, relative folder
        (Path("a.res"), Path("/data/share"), "a.res"),  # a bare name: inside the folder
        (PurePosixPath("/srv/data/2024/a.res"), PurePosixPath("/srv/data"), "2024/a.res"),
        ("2024/a.res", PurePosixPath("/srv/data"), "2024/a.res"),
        (PureWindowsPath(r"C:\Data\x\a.res"), PureWindowsPath(r"c:\data"), "x/a.res"),
        (Path("a.res"), "Shared Documents", "a.res"),  # SharePoint: library-relative names
    ],
)
def test_names_inside_the_destination_become_relative(
    produced: object, directory: object, expected: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert relative_destination(produced, directory) == expected


def test_an_absolute_name_under_a_relative_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert relative_destination(tmp_path / "dst" / "a.res", Path("dst")) == "a.res"


@pytest.mark.parametrize(
    ("produced", "directory"),
    [
        (Path("/etc/passwd"), Path("/data/share")),
        (PurePosixPath("/srv/other/a.res"), PurePosixPath("/srv/data")),
        ("../escape.res", PurePosixPath("/srv/data")),
        (PurePosixPath("/srv/data"), PurePosixPath("/srv/data")),  # the folder itself
        ("/sites/x/a.res", "Shared Documents"),
    ],
)
def test_names_outside_the_destination_are_refused(produced: object, directory: object) -> None:
    with pytest.raises(ScriptConfigError) as caught:
        relative_destination(produced, directory)
    assert caught.value.problems[0].key == "external_name_generator"


def test_chosen_names_narrow_the_filter_without_loosening_it() -> None:
    base = FileFilter(extensions=(".res",), not_contains=("draft",))
    chosen = ChosenNames.narrowing(base, ["a.res", "b_draft.res", "c.txt"])
    matches = chosen.name_matcher()
    assert [n for n in ("a.res", "b_draft.res", "c.txt", "d.res") if matches(n)] == ["a.res"]
    assert chosen.matches_name("a.res") and not chosen.matches_name("d.res")
    assert chosen.not_contains == ("draft",) and chosen.extensions == (".res",)
