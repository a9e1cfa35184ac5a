"""The scripting API's configuration errors, worded for a script's author.

A missing setting raises `MissingSettingError`, which is the engine's `ConfigError` (every problem
at once, each naming its variable) and also a `KeyError`, because upstream raised `KeyError` for
a missing `OELEO_*` variable and old scripts may catch that.
"""

from __future__ import annotations

import os

from oeleo_gui.engine.errors import ConfigError, ConfigProblem

SCRIPT = "the script's arguments and environment"
SCRIPT_HINT = (
    "Give the value as an argument, or set the variable (for example in a .env file that the "
    "script loads with dotenv.load_dotenv() before building the worker)."
)


class ScriptConfigError(ConfigError):
    """A configuration problem in a script: names the variable or argument and what it needs."""

    def __init__(self, problems: list[ConfigProblem], hint: str = SCRIPT_HINT) -> None:
        super().__init__(problems, SCRIPT)
        self.hint = hint


class MissingSettingError(ScriptConfigError, KeyError):
    """Settings that are neither given as arguments nor set in the environment."""


def env_value(name: str) -> str | None:
    """The variable's value, or None when it is unset or blank (upstream read `os.environ`)."""
    value = os.environ.get(name)
    return value if value is not None and value.strip() else None


def given_or_env(
    given: object, name: str, expected: str, problems: list[ConfigProblem]
) -> str | None:
    """`given` when it is set (upstream's `given or os.environ[name]`), else the variable; a
    missing one adds a problem naming the variable and what it should hold."""
    if given is not None and str(given).strip():
        return str(given)
    value = env_value(name)
    if value is None:
        problems.append(ConfigProblem(name, None, f"required: {expected}"))
    return value


def raise_missing(problems: list[ConfigProblem]) -> None:
    if problems:
        raise MissingSettingError(problems)
