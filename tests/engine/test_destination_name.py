"""`Engine(destination_name=...)`: a script's own naming of destination files (the API's
`external_name_generator`), through sync, re-sync, preview and check."""

from __future__ import annotations

from pathlib import Path

from oeleo_gui.engine.connectors.base import is_oeleo_path
from oeleo_gui.engine.events import Outcome
from oeleo_gui.engine.worker import Engine
from tests.conftest import write_file


def by_folder(rel_path: str) -> str:
    """`sub/b.res` -> `all/sub_b.res`: a flat folder of names that keep where they came from."""
    return "all/" + rel_path.replace("/", "_")


def files_in(folder: Path) -> dict[str, bytes]:
    """The data files at a destination (its `.oeleo/` status record is no data)."""
    return {
        rel: p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not is_oeleo_path(rel := p.relative_to(folder).as_posix())
    }


def test_sync_uses_the_given_names_and_a_second_run_copies_nothing(make_settings, dst, src):
    write_file(src, "a.res", "alpha")
    write_file(src, "sub/a.res", "beta")  # the same bare name: upstream's naming would clash
    settings = make_settings(OA_INCLUDE_SUBDIRS="true", OELEO_SETTLE_SECONDS="0")
    engine = Engine(settings, destination_name=by_folder)
    try:
        first = engine.sync()
        assert first.ok and len(first.copied) == 2
        assert files_in(dst) == {"all/a.res": b"alpha", "all/sub_a.res": b"beta"}
        row = engine.store.get("sub/a.res")
        assert row is not None and row.external_name == str(dst / "all" / "sub_a.res")
        second = engine.sync()
        assert second.ok and second.copied == () and second.unchanged == 2
        report = engine.check()
        assert report.missing == () and sorted(report.in_sync) == ["a.res", "sub/a.res"]
    finally:
        engine.close()


def test_two_files_given_one_name_copy_one_and_report_the_other(make_settings, dst, src):
    write_file(src, "a.res", "alpha")
    write_file(src, "b.res", "beta")
    engine = Engine(make_settings(OELEO_SETTLE_SECONDS="0"), destination_name=lambda rel: "x.res")
    try:
        preview = engine.preview()
        assert [r.rel_path for r in preview.would_copy] == ["a.res"]
        summary = engine.sync()
        assert [r.rel_path for r in summary.copied] == ["a.res"]
        assert [(r.rel_path, r.outcome) for r in summary.failed] == [("b.res", Outcome.FAILED)]
        assert "same destination name as a.res" in summary.failed[0].reason
        assert files_in(dst) == {"x.res": b"alpha"}
    finally:
        engine.close()
