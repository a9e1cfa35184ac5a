"""Upstream oeleo's scripting names: a script written for oeleo runs with only its imports
changed to `from oeleo_gui.api import ...`.

Upstream's classes and functions keep their signatures, defaults and fields; where oeleo-gui
differs on purpose (verified SSH host keys, errors instead of silent defaults, a database keyed by
relative path...) the README's "Scripting with upstream's API" section says so. The package is a
frontend beside `gui` and `cli`: it uses the engine's public modules and is used by nothing.
"""

from __future__ import annotations

from oeleo_gui.api.bookkeeping import CODES, ChecksumChecker, SimpleDbHandler
from oeleo_gui.api.connectors import (
    LocalConnector,
    SharePointConnector,
    SSHConnector,
    register_password,
)
from oeleo_gui.api.errors import MissingSettingError, ScriptConfigError
from oeleo_gui.api.factories import resolve_reconnect, sharepoint_worker, simple_worker, ssh_worker
from oeleo_gui.api.logs import start_logger
from oeleo_gui.api.scheduler import SimpleScheduler
from oeleo_gui.api.worker import Worker
from oeleo_gui.engine.events import CheckReport, FileCode, RunSummary

__all__ = [
    "CODES",
    "CheckReport",
    "ChecksumChecker",
    "FileCode",
    "LocalConnector",
    "MissingSettingError",
    "RunSummary",
    "SSHConnector",
    "ScriptConfigError",
    "SharePointConnector",
    "SimpleDbHandler",
    "SimpleScheduler",
    "Worker",
    "register_password",
    "resolve_reconnect",
    "sharepoint_worker",
    "simple_worker",
    "ssh_worker",
    "start_logger",
]
