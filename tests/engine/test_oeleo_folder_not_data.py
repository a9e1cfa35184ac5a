"""`.oeleo/` (status records for the lab overview) is never data: not scanned, not compared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from oeleo_gui.engine.filters import FileFilter
from oeleo_gui.engine.own_files import own_files
from oeleo_gui.engine.scanner import scan
from oeleo_gui.engine.worker import Engine


def test_the_scan_skips_a_top_level_oeleo_folder_only(
    src: Path, write: Callable[..., Path], make_settings: Callable[..., object]
) -> None:
    write(src, ".oeleo/status/XRD.json", "{}")
    write(src, ".oeleo/status/.XRD.json.0123abcd.oeleo-part", "{")
    write(src, "run/.oeleo/kept.json", "{}")  # only the top level is oeleo-gui's
    write(src, "a.json", "{}")
    settings = make_settings(OELEO_FILTER_EXTENSION="*", OA_INCLUDE_SUBDIRS="true")
    flt = FileFilter.from_settings(settings)
    found = [f.rel_path for f in scan(src, flt, recursive=True, exclude=own_files(settings))]
    assert found == ["a.json", "run/.oeleo/kept.json"]


def test_check_does_not_count_status_records(
    src: Path, dst: Path, write: Callable[..., Path], make_engine: Callable[..., Engine]
) -> None:
    write(src, "a.res", "alpha")
    write(dst, ".oeleo/status/XRD.json", "{}")
    engine = make_engine(OA_INCLUDE_SUBDIRS="true", OA_EXTERNAL_SUBDIRS="true")
    assert engine.sync().ok
    report = engine.check()
    assert (report.local_files, report.in_sync, report.missing) == (1, ("a.res",), ())
    assert report.out_of_sync == ()
