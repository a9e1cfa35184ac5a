"""OELEO_INSTRUMENT_NAME: the instrument's name in the lab overview, and its record's file name."""

from __future__ import annotations

import platform

import pytest

from oeleo_gui.engine.settings.config import settings_from_values
from oeleo_gui.engine.settings.instrument import MAX_NAME_CHARS, instrument_file_stem

BASE = {
    "OELEO_BASE_DIR_FROM": "/data/from",
    "OELEO_BASE_DIR_TO": "/data/to",
    "OELEO_FILTER_EXTENSION": ".res",
}


def test_the_default_is_the_computers_name() -> None:
    settings = settings_from_values(BASE)
    assert settings.instrument_name == platform.node()
    assert settings.instrument_file_stem == instrument_file_stem(platform.node())


def test_a_name_is_kept_as_typed_and_sanitised_only_for_its_file() -> None:
    settings = settings_from_values({**BASE, "OELEO_INSTRUMENT_NAME": "  Cycler #3 / old  "})
    assert settings.instrument_name == "Cycler #3 / old"
    assert settings.instrument_file_stem == "Cycler _3 _ old"


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("XRD-1", "XRD-1"),
        ("Arbin_02.b", "Arbin_02.b"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..\\..\\windows", "_.._windows"),
        ("<script>alert(1)</script>", "_script_alert_1_script_"),
        ("CON", "_CON"),
        ("lpt1.json", "_lpt1.json"),
        ("...", "instrument"),
        ("", "instrument"),
        ("   ", "instrument"),
        (".hidden", "hidden"),
        ("trailing. ", "trailing"),
        ("Mikroskop Ä", "Mikroskop _"),
    ],
)
def test_file_stems_are_safe_everywhere(name: str, stem: str) -> None:
    assert instrument_file_stem(name) == stem
    assert "/" not in stem and "\\" not in stem and not stem.startswith(".")


def test_long_names_are_cut() -> None:
    assert len(instrument_file_stem("x" * 500)) == MAX_NAME_CHARS
