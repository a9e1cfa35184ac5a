"""The `.env` as the settings dialog reads it: as the engine does (`envfile.read_env_values`:
UTF-8 with or without a BOM, or UTF-16 with its BOM), the file's own values only (not the
environment's), and, for a file that cannot be read, what the technician must do, in words.
Imports engine settings modules only; no Qt.
"""

from __future__ import annotations

import logging
from pathlib import Path

from oeleo_gui.engine.errors import ConfigError
from oeleo_gui.engine.settings.envfile import read_env_values

log = logging.getLogger(__name__)


def read_file_values(env_file: Path) -> tuple[dict[str, str], str]:
    """The `.env`'s own values (not the environment's) as the engine reads them, and "" — or,
    when the file cannot be read, no values and what the technician must do, in words."""
    try:
        return read_env_values(env_file, environ={}), ""
    except ConfigError as exc:  # bytes that are not UTF-8: a file saved as "ANSI"
        return {}, (
            f"{exc.title} The settings cannot be shown or saved until it is UTF-8: open "
            f"{env_file} in Notepad, choose File > Save as, set Encoding to UTF-8 and save, then "
            "open Settings… again. Nothing in the file was changed."
        )
    except OSError as exc:
        log.warning("Could not read the settings file %s: %s", env_file, exc)
        return {}, (
            f"The settings file {env_file} cannot be read ({exc.strerror or exc}). Check that "
            "it exists and that you may open it, then open Settings… again. Nothing in the file "
            "was changed."
        )
