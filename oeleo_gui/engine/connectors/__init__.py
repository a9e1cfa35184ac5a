"""Destinations behind one contract (`base.Connector`); `make_connector` picks one from Settings.

The SSH and SharePoint connectors are imported only when used, so a local-folder setup never
loads paramiko or the Office365 client.
"""

from __future__ import annotations

from pathlib import Path

from oeleo_gui.engine.connectors.base import Connector
from oeleo_gui.engine.settings.config import DestinationKind, Settings


def make_connector(settings: Settings, *, subfolder: str = "") -> Connector:
    """The configured destination's connector; with `subfolder` (POSIX, relative), one whose
    folder is that subfolder of the destination (the lab overview lists `.oeleo/status` alone)."""
    destination = settings.destination
    if subfolder:
        if settings.destination_kind is DestinationKind.LOCAL:
            destination = str(Path(destination).joinpath(*subfolder.split("/")))
        else:
            destination = f"{destination.rstrip('/')}/{subfolder}"
    if settings.destination_kind is DestinationKind.SSH:
        from oeleo_gui.engine.connectors.ssh.connector import SshConnector

        if settings.ssh is None:
            raise ValueError("SSH settings are missing")
        return SshConnector(settings.ssh, destination)
    if settings.destination_kind is DestinationKind.SHAREPOINT:
        from oeleo_gui.engine.connectors.sharepoint.connector import SharePointConnector

        if settings.sharepoint is None:
            raise ValueError("SharePoint settings are missing")
        return SharePointConnector(settings.sharepoint, destination)
    from oeleo_gui.engine.connectors.local.connector import LocalConnector

    return LocalConnector(destination)
