"""Upstream's connector classes: where files come from and where they go, with upstream's
constructor parameters, defaults, environment fallbacks and attributes.

They hold settings only; the engine's connectors (`oeleo_gui.engine.connectors`) do the work,
made by the worker from `destination_values()`. Keyword-only parameters after upstream's are
oeleo-gui's own additions. Secrets are read from the environment when a run starts, never kept
on these objects.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from oeleo_gui.api.errors import env_value, given_or_env, raise_missing
from oeleo_gui.engine.errors import ConfigProblem
from oeleo_gui.engine.fileio.hashing import md5_file
from oeleo_gui.engine.logsetup import register_secret

SHAREPOINT_APP_VARIABLES = (
    "OELEO_SHAREPOINT_CLIENT_ID",
    "OELEO_SHAREPOINT_CLIENT_SECRET",
    "OELEO_SHAREPOINT_CERT_PATH",
    "OELEO_SHAREPOINT_CERT_THUMBPRINT",
    "OELEO_SHAREPOINT_TENANT",
)


def register_password(pwd: str | None = None) -> None:
    """Set OELEO_PASSWORD for this process, asking for it when `pwd` is None (as upstream).

    The value is also masked in every log record from now on."""
    password = pwd if pwd is not None else getpass.getpass("Password: ")
    os.environ["OELEO_PASSWORD"] = password
    register_secret(password)


def _present(values: dict[str, str | None]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


class LocalConnector:
    """A folder on this computer or a mounted share: the source, or a destination."""

    is_local = True

    def __init__(self, directory: str | Path | None = None, include_subdirs: bool = False) -> None:
        problems: list[ConfigProblem] = []
        value = given_or_env(
            directory, "OELEO_BASE_DIR_FROM", "the folder with the data files", problems
        )
        raise_missing(problems)
        self.directory = Path(str(value))
        self.include_subdirs = include_subdirs

    def calculate_checksum(self, f: str | Path, hide: bool = True) -> str:
        """MD5 hex digest of the file `f` (what upstream's checker compares)."""
        return md5_file(f)

    def destination_values(self) -> dict[str, str]:
        return {
            "OELEO_DESTINATION_TYPE": "local",
            "OELEO_BASE_DIR_TO": str(self.directory.expanduser().absolute()),
        }

    def __repr__(self) -> str:
        return (
            f"LocalConnector(directory={self.directory!r}, include_subdirs={self.include_subdirs})"
        )


class SSHConnector:
    """A folder on an SSH server, reached over SFTP. Host keys are always verified.

    Upstream's parameters come first, in upstream's order; `host` may be `host:port`. Key files
    come from `key_filename` or OELEO_KEY_FILENAME (with OELEO_KEY_PASSPHRASE for an encrypted
    key), trusted host keys from `~/.ssh/known_hosts` plus `known_hosts` or OELEO_KNOWN_HOSTS
    (default: the app's own file, where `oeleo-gui trust-host` writes).
    """

    is_local = False

    def __init__(
        self,
        username: str | None = None,
        host: str | None = None,
        directory: str | PurePath | None = None,
        is_posix: bool = True,
        use_password: bool = False,
        include_subdirs: bool = False,
        *,
        key_filename: str | Path | None = None,
        known_hosts: str | Path | None = None,
    ) -> None:
        problems: list[ConfigProblem] = []
        user = given_or_env(username, "OELEO_USERNAME", "the user name on the server", problems)
        server = given_or_env(
            host, "OELEO_EXTERNAL_HOST", "the server: host or host:port", problems
        )
        folder = given_or_env(directory, "OELEO_BASE_DIR_TO", "the folder on the server", problems)
        if use_password and env_value("OELEO_PASSWORD") is None:
            problems.append(
                ConfigProblem(
                    "OELEO_PASSWORD",
                    None,
                    "required with use_password=True: call register_password() or set it",
                )
            )
        raise_missing(problems)
        self.username = str(user)
        self.host = str(server)
        self.directory: PurePath = (PurePosixPath if is_posix else PureWindowsPath)(str(folder))
        self.is_posix = is_posix
        self.use_password = use_password
        self.include_subdirs = include_subdirs
        self.key_filename = Path(key_filename) if key_filename else None
        self.known_hosts = Path(known_hosts) if known_hosts else None

    @property
    def sftp_directory(self) -> str:
        """The folder as SFTP names it: `C:\\data` on a Windows server is `/C:/data`."""
        if self.is_posix:
            return str(self.directory)
        posix = self.directory.as_posix()
        return "/" + posix if self.directory.drive else posix

    def destination_values(self) -> dict[str, str]:
        key = self.key_filename or env_value("OELEO_KEY_FILENAME")
        return _present(
            {
                "OELEO_DESTINATION_TYPE": "ssh",
                "OELEO_BASE_DIR_TO": self.sftp_directory,
                "OELEO_EXTERNAL_HOST": self.host,
                "OELEO_USERNAME": self.username,
                "OELEO_PASSWORD": env_value("OELEO_PASSWORD") if self.use_password else None,
                "OELEO_KEY_FILENAME": None if self.use_password or not key else str(key),
                "OELEO_KEY_PASSPHRASE": env_value("OELEO_KEY_PASSPHRASE"),
                "OELEO_KNOWN_HOSTS": str(self.known_hosts or env_value("OELEO_KNOWN_HOSTS") or ""),
            }
        )

    def __repr__(self) -> str:
        return (
            f"SSHConnector(username={self.username!r}, host={self.host!r}, "
            f"directory={self.directory!r}, is_posix={self.is_posix}, "
            f"use_password={self.use_password}, include_subdirs={self.include_subdirs})"
        )


class SharePointConnector:
    """A SharePoint document library; files go to its root, under their bare names (upstream).

    `host` is the site name and `directory` the library, as upstream. Signs in as `username`
    (else OELEO_USERNAME) with OELEO_PASSWORD, or app-only with OELEO_SHAREPOINT_CLIENT_ID and a
    client secret or certificate (oeleo-gui's addition; then no password is needed).
    """

    is_local = False
    include_subdirs = False

    def __init__(
        self,
        username: str | None = None,
        host: str | None = None,
        url: str | None = None,
        directory: str | None = None,
    ) -> None:
        problems: list[ConfigProblem] = []
        site = given_or_env(host, "OELEO_SHAREPOINT_SITENAME", "the site name", problems)
        address = given_or_env(url, "OELEO_SHAREPOINT_URL", "the tenant's https:// URL", problems)
        library = given_or_env(
            directory, "OELEO_SHAREPOINT_DOC_LIBRARY", "the document library", problems
        )
        self.username = username or env_value("OELEO_USERNAME") or ""
        app_only = env_value("OELEO_SHAREPOINT_CLIENT_ID") is not None
        if not app_only and env_value("OELEO_PASSWORD") is None:
            problems.append(
                ConfigProblem(
                    "OELEO_PASSWORD",
                    None,
                    "required: the password for the user name (or set up app-only sign-in "
                    "with OELEO_SHAREPOINT_CLIENT_ID)",
                )
            )
        raise_missing(problems)
        self.host = str(site)
        self.url = str(address)
        self.directory = str(library)

    def destination_values(self) -> dict[str, str]:
        values: dict[str, str | None] = {
            "OELEO_DESTINATION_TYPE": "sharepoint",
            "OELEO_SHAREPOINT_URL": self.url,
            "OELEO_SHAREPOINT_SITENAME": self.host,
            "OELEO_SHAREPOINT_DOC_LIBRARY": self.directory,
            "OELEO_SHAREPOINT_USERNAME": self.username,
            "OELEO_PASSWORD": env_value("OELEO_PASSWORD"),
        }
        values.update({name: env_value(name) for name in SHAREPOINT_APP_VARIABLES})
        return _present(values)

    def __repr__(self) -> str:
        return (
            f"SharePointConnector(username={self.username!r}, host={self.host!r}, "
            f"url={self.url!r}, directory={self.directory!r})"
        )


ExternalConnector = LocalConnector | SSHConnector | SharePointConnector
