"""Two configurations with one instrument name (on one PC with the default name, the computer's):
neither writes over the other's status record, so the lab overview shows both; a record of a
configuration gone for a week is taken over."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oeleo_gui.engine.lab.ownership import KEEP_OTHERS_SECONDS, config_key
from oeleo_gui.engine.lab.reading import folder_source, read_overview
from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.settings.instrument import computer_name, instrument_file_stem
from oeleo_gui.engine.worker import Engine
from tests.conftest import write_file


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def configuration(tmp_path: Path, dst: Path) -> Iterator[Callable[..., Engine]]:
    """`configuration(n, clock)`: its own source and database, the default instrument name."""
    engines: list[Engine] = []

    def make(n: int, clock: Callable[[], float] = time.time) -> Engine:
        home = tmp_path / f"configuration {n}"
        (home / "data").mkdir(parents=True, exist_ok=True)
        values = {
            "OELEO_BASE_DIR_FROM": str(home / "data"),
            "OELEO_BASE_DIR_TO": str(dst),
            "OELEO_FILTER_EXTENSION": ".res",
            "OELEO_DB_NAME": str(home / "files.db"),
            "OELEO_LOG_DIR": str(tmp_path / "logs"),
            "OELEO_SETTLE_SECONDS": "0",
            "OA_INCLUDE_SUBDIRS": "yes",
        }
        engine = Engine(settings_from_values(values, env_file=None), clock=clock)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def records(dst: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    folder = dst / ".oeleo" / "status"
    return {p.name: json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))}


STEM = instrument_file_stem(computer_name())


def test_both_are_shown_and_the_shared_name_is_said_once(
    configuration: Callable[..., Engine], dst: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = configuration(1), configuration(2)
    write_file(first.settings.source, "a.res", "alpha")
    write_file(second.settings.source, "x/twin.res", "x")  # the same name twice: one fails
    write_file(second.settings.source, "y/twin.res", "y")
    caplog.set_level(logging.WARNING, logger="oeleo_gui.engine.lab.record")
    assert first.sync().ok
    assert second.sync().failed
    write_file(second.settings.source, "b.res", "beta")  # the verdict changes: written again
    assert second.sync().copied
    assert first.settings.instrument_name == second.settings.instrument_name == computer_name()

    second_key = config_key(second.settings)
    assert config_key(first.settings) != second_key
    written = records(dst)
    own_name = f"{STEM} ({second_key[:8]}).json"
    assert sorted(written) == sorted([f"{STEM}.json", own_name])
    assert written[f"{STEM}.json"]["config"] == config_key(first.settings)
    assert written[own_name]["config"] == second_key
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert f"share the instrument name {computer_name()!r}" in warnings[0]
    assert "Set OELEO_INSTRUMENT_NAME" in warnings[0]

    overview = read_overview([folder_source(dst)])
    verdicts = {row.name: row.verdict.value for row in overview.rows}
    assert verdicts == {
        f"{computer_name()} ({computer_name()}, {second.settings.source})": "behind",
        f"{computer_name()} ({computer_name()}, {first.settings.source})": "safe",
    }
    assert not overview.all_safe


def test_a_configuration_gone_for_a_week_is_taken_over_and_the_own_name_removed(
    configuration: Callable[..., Engine], dst: Path
) -> None:
    clock = Clock()
    first, second = configuration(1), configuration(2, clock)
    write_file(first.settings.source, "a.res", "alpha")
    write_file(second.settings.source, "b.res", "beta")
    assert first.sync().ok
    assert second.sync().ok
    assert len(records(dst)) == 2

    clock.now += KEEP_OTHERS_SECONDS + 3600  # the first is gone; the second's record is due
    assert second.sync().ok
    written = records(dst)
    assert list(written) == [f"{STEM}.json"]  # its own-name record removed, not left silent
    assert written[f"{STEM}.json"]["config"] == config_key(second.settings)


def test_a_record_from_before_keys_written_on_this_computer_is_its_own(
    configuration: Callable[..., Engine], dst: Path
) -> None:
    status = dst / ".oeleo" / "status"
    status.mkdir(parents=True)
    engine = configuration(1)
    write_file(engine.settings.source, "a.res", "alpha")
    assert engine.sync().ok
    record = records(dst)[f"{STEM}.json"]
    del record["config"]  # as an older oeleo-gui wrote it
    (status / f"{STEM}.json").write_text(json.dumps(record), "utf-8")
    write_file(engine.settings.source, "b.res", "beta")
    assert engine.sync().ok
    assert list(records(dst)) == [f"{STEM}.json"]
    assert records(dst)[f"{STEM}.json"]["config"] == config_key(engine.settings)
