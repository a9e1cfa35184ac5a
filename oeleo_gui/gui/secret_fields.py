"""Where the settings dialog's secrets go: the system keyring, or `.env` when the technician says.

`SecretFields` fills the secret fields from the keyring when the dialog opens and, on Save, puts
typed secrets into the keyring (or removes an emptied one). A secret already written in `.env`
stays there unless "Move to the keyring" is ticked. When no keyring can store it (a PC without
Credential Manager or Secret Service), `ask_keep_in_env(name)` decides: keep it in `.env` as
plain text, or save nothing (`SaveCancelled`). Secret values are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from oeleo_gui.engine.settings import secret_store
from oeleo_gui.engine.settings.config import secret_account
from oeleo_gui.engine.settings.variables import VarKind
from oeleo_gui.gui.setting_field import SettingField

log = logging.getLogger(__name__)


class SaveCancelled(Exception):
    """The technician chose not to save (a secret the keyring would not take)."""


class SecretFields:
    """The secret fields of one dialog and what the keyring held for them when it opened."""

    def __init__(
        self, fields: Mapping[str, SettingField], ask_keep_in_env: Callable[[str], bool]
    ) -> None:
        self._fields = fields
        self._ask_keep_in_env = ask_keep_in_env
        self._loaded: dict[str, tuple[str, str]] = {}  # name -> (account, value)

    def _secret_fields(self) -> list[SettingField]:
        return [f for f in self._fields.values() if f.variable.kind is VarKind.SECRET]

    def load(self, values: Mapping[str, str]) -> None:
        """Show what the keyring holds for secrets that are not written in `.env`."""
        for field in self._secret_fields():
            if field.in_env:
                continue
            account = secret_account(field.variable.name, values)
            stored = secret_store.get_secret(field.variable.name, account) or ""
            self._loaded[field.variable.name] = (account, stored)
            if stored:
                field.editor.blockSignals(True)
                field.set_text(stored)
                field.editor.blockSignals(False)

    def store(self, values: Mapping[str, str], env_file: Path) -> dict[str, str]:
        """Put secrets in the keyring; returns those the technician keeps in `.env` instead.

        Raises `SaveCancelled` when the keyring refuses one and the technician does not want it
        in `.env`; the keyring entries already written stay (they are the values typed)."""
        keep_in_env: dict[str, str] = {}
        for field in self._secret_fields():
            name = field.variable.name
            moving = field.move_to_keyring is not None and field.move_to_keyring.isChecked()
            if field.in_env and not moving:
                continue
            value = field.text()
            account = secret_account(name, values)
            if (account, value) == self._loaded.get(name):
                continue
            if value:
                try:
                    secret_store.set_secret(name, account, value)
                except RuntimeError as exc:
                    log.warning("The system keyring did not take %s: %s", name, exc.__cause__)
                    if not self._ask_keep_in_env(name):
                        raise SaveCancelled(name) from exc
                    keep_in_env[name] = value
                    log.warning("%s is kept in %s as plain text (no keyring)", name, env_file)
                    continue
                log.info("Stored %s in the system keyring for %s", name, account)
            elif self._loaded.get(name, ("", ""))[1]:
                old_account = self._loaded[name][0]
                secret_store.delete_secret(name, old_account)
                log.info("Removed %s from the system keyring for %s", name, old_account)
        return keep_in_env
