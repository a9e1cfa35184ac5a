"""Reading typed settings from the raw `.env`/environment values, remembering every problem.

`config.settings_from_values` reads each variable through one `ValueReader`, so all problems
are reported at once. Paths are checked as text here (`path_rules.path_text_problem`) and made
absolute against the `.env`'s folder. Imports the stdlib, the errors and the value parsers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from oeleo_gui.engine.errors import ConfigProblem
from oeleo_gui.engine.settings.path_rules import path_text_problem
from oeleo_gui.engine.settings.values import BOOL_EXPECTED, mask, parse_bool


class ValueReader:
    """Reads typed values from the raw mapping and remembers every problem."""

    def __init__(self, values: Mapping[str, str], base_dir: Path) -> None:
        self.values = values
        self.base_dir = base_dir
        self.problems: list[ConfigProblem] = []
        self.secrets = True  # False: the OS keyring is not asked (commands that connect nowhere)

    def raw(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def problem(self, key: str, expected: str) -> None:
        self.problems.append(ConfigProblem(key, mask(key, self.values.get(key)), expected))

    def text(self, key: str, default: str = "") -> str:
        return self.raw(key) or default

    def required(self, key: str, expected: str) -> str:
        value = self.raw(key)
        if value is None:
            self.problem(key, f"required: {expected}")
            return ""
        return value

    def path(self, key: str, default: str = "") -> Path | None:
        value = self.raw(key) or default
        if not value:
            return None
        problem = path_text_problem(value)
        if problem and not any(p.key == key for p in self.problems):
            self.problem(key, problem)
        p = Path(os.path.expandvars(value)).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        try:
            return parse_bool(value)
        except ValueError:
            self.problem(key, BOOL_EXPECTED)
            return default

    def number(
        self, key: str, cast: type[int] | type[float], default: float, minimum: float
    ) -> float:
        value = self.raw(key)
        if value is None:
            return default
        try:
            number = cast(value)
        except ValueError:
            self.problem(key, f"a {'whole ' if cast is int else ''}number")
            return default
        if number < minimum:
            self.problem(key, f"a number of at least {minimum:g}")
            return default
        return number

    def date(self, key: str) -> datetime | None:
        value = self.raw(key)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            self.problem(key, "a date as YYYY-MM-DD")
            return None
