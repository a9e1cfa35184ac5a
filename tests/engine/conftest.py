"""Fixtures for engine tests: real folders under tmp_path, a real SQLite file, real Settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from oeleo_gui.engine.settings.config import Settings, settings_from_values
from oeleo_gui.engine.worker import Engine


@pytest.fixture
def src(tmp_path: Path) -> Path:
    path = tmp_path / "instrument data"
    path.mkdir()
    return path


@pytest.fixture
def dst(tmp_path: Path) -> Path:
    path = tmp_path / "server share"
    path.mkdir()
    return path


@pytest.fixture
def make_settings(tmp_path: Path, src: Path, dst: Path) -> Callable[..., Settings]:
    def make(**overrides: str) -> Settings:
        values = {
            "OELEO_BASE_DIR_FROM": str(src),
            "OELEO_BASE_DIR_TO": str(dst),
            "OELEO_FILTER_EXTENSION": ".res",
            "OELEO_DB_NAME": str(tmp_path / "oeleo.db"),
            "OELEO_LOG_DIR": str(tmp_path / "logs"),
            "OELEO_SETTLE_SECONDS": "30",
            "OA_FROM_YEAR": "2000",
        }
        values.update(overrides)
        return settings_from_values(values, env_file=None)

    return make


@pytest.fixture
def make_engine(make_settings: Callable[..., Settings]):  # type: ignore[no-untyped-def]
    engines: list[Engine] = []

    def make(connector=None, **overrides: str) -> Engine:  # type: ignore[no-untyped-def]
        engine = Engine(make_settings(**overrides), connector=connector)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
