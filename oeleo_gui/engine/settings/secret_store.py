"""Secrets in the operating system's keyring, under the service name `oeleo-gui`.

Each secret is stored under `<VARIABLE>:<account>` (e.g. `OELEO_PASSWORD:lab@server:22`) so one
keyring can hold the passwords of several destinations. A missing or locked keyring is not an
error here: the caller gets None and reports the missing secret as a configuration problem.
"""

from __future__ import annotations

import logging

SERVICE_NAME = "oeleo-gui"
log = logging.getLogger(__name__)


def _entry(variable: str, account: str) -> str:
    return f"{variable}:{account}"


def get_secret(variable: str, account: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(SERVICE_NAME, _entry(variable, account))
    except Exception as exc:  # any backend failure means "no secret available"
        log.debug("keyring unavailable for %s: %s", variable, type(exc).__name__)
        return None


def set_secret(variable: str, account: str, value: str) -> None:
    """Store a secret; raises RuntimeError with a readable reason when the keyring refuses."""
    try:
        import keyring

        keyring.set_password(SERVICE_NAME, _entry(variable, account), value)
    except Exception as exc:
        raise RuntimeError(
            f"The system keyring could not store {variable} ({type(exc).__name__}). "
            "Keep it in the .env file instead, or unlock the keyring."
        ) from exc


def delete_secret(variable: str, account: str) -> None:
    try:
        import keyring

        keyring.delete_password(SERVICE_NAME, _entry(variable, account))
    except Exception as exc:
        log.debug("nothing to delete for %s: %s", variable, type(exc).__name__)
