"""Selecting files: every filter, subfolders, symlinks, directories, duplicates."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from oeleo_gui.engine.filters import FileFilter
from oeleo_gui.engine.scanner import scan
from tests.conftest import write_file


def names(root: Path, flt: FileFilter, recursive: bool = False) -> list[str]:
    return [f.rel_path for f in scan(root, flt, recursive=recursive)]


def test_extensions_case_insensitive_no_duplicates_no_directories(src: Path) -> None:
    for rel in ["a.res", "B.RES", "c.csv", "d.txt"]:
        write_file(src, rel, "x")
    (src / "folder.res").mkdir()
    flt = FileFilter(extensions=(".res", ".csv"))
    assert names(src, flt) == ["B.RES", "a.res", "c.csv"]
    assert names(src, FileFilter(extensions=("*",))) == ["B.RES", "a.res", "c.csv", "d.txt"]


def test_name_filters_are_anded(src: Path) -> None:
    for rel in [
        "cell_01_raw.res",
        "cell_02_raw.res",
        "cell_03_tmp.res",
        "other_01.res",
        "skip.res",
    ]:
        write_file(src, rel, "x")
    flt = FileFilter(
        extensions=(".res",),
        starts_with=("cell", "skip"),
        contains=("_0",),
        not_contains=("tmp",),
        excluded_names=("cell_02_raw.res",),
    )
    assert names(src, flt) == ["cell_01_raw.res"]


def test_dates_not_before_and_not_after(src: Path) -> None:
    for rel, day in [
        ("old.res", datetime(2022, 12, 31)),
        ("mid.res", datetime(2023, 6, 1)),
        ("new.res", datetime(2024, 2, 1)),
    ]:
        write_file(src, rel, "x", mtime=day.timestamp())
    flt = FileFilter(
        extensions=(".res",),
        not_before=datetime(2023, 1, 1).timestamp(),
        not_after=datetime(2023, 12, 31, 23, 59).timestamp(),
    )
    assert names(src, flt) == ["mid.res"]


def test_subfolders_only_when_asked_and_same_names_stay_apart(src: Path) -> None:
    for rel in ["a.res", "run1/a.res", "run2/deep/a.res"]:
        write_file(src, rel, rel)
    flt = FileFilter(extensions=(".res",))
    assert names(src, flt) == ["a.res"]
    assert names(src, flt, recursive=True) == ["a.res", "run1/a.res", "run2/deep/a.res"]


def test_symlinks_never_lead_out_of_the_source(tmp_path: Path, src: Path) -> None:
    outside = tmp_path / "outside"
    write_file(outside, "secret.res", "x")
    write_file(src, "inside/real.res", "x")
    os.symlink(outside, src / "escape")
    os.symlink(outside / "secret.res", src / "secret-link.res")
    os.symlink(src / "inside" / "real.res", src / "alias.res")
    os.symlink(src, src / "inside" / "loop")
    found = names(src, FileFilter(extensions=(".res",)), recursive=True)
    assert found == ["alias.res", "inside/real.res"]
