"""Upstream's `start_logger`: everything at DEBUG into `<logdir>/oeleo.log` (rotating, 1 MB × 3).

The folder is `logdir`, else OELEO_LOG_DIR, else the current folder, as upstream. Unlike
upstream, a second call replaces the handlers instead of doubling every line, secrets are masked,
and the logger is returned (upstream's README example used it).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from oeleo_gui.engine.logsetup import configure_logging


def start_logger(
    logdir: str | Path | None = None,
    only_oeleo: bool = False,
    screen_level: int = logging.CRITICAL,
) -> logging.Logger:
    folder = Path(logdir or os.environ.get("OELEO_LOG_DIR") or Path.cwd())
    configure_logging(folder, level=logging.DEBUG, console=screen_level < logging.CRITICAL)
    for handler in logging.getLogger().handlers:
        if not getattr(handler, "oeleo_handler", False):
            continue
        if isinstance(handler, logging.StreamHandler) and not hasattr(handler, "baseFilename"):
            handler.setLevel(screen_level)
        if only_oeleo:
            handler.addFilter(logging.Filter("oeleo_gui"))
    return logging.getLogger("oeleo_gui")
