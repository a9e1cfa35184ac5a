"""Loading the private key named by `OELEO_KEY_FILENAME`, with a message that says what is
wrong with it: a public key, a passphrase missing or wrong, a DSA key, not a key at all."""

from __future__ import annotations

from pathlib import Path

import paramiko
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from oeleo_gui.engine.errors import AuthFailed

KEY_HINT = "Check OELEO_KEY_FILENAME: it must name your private key file (not the .pub file)."


def load_private_key(path: Path, passphrase: str = "") -> paramiko.PKey:
    """Load an ed25519, ECDSA or RSA private key; AuthFailed saying exactly what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AuthFailed(
            f"Cannot read the SSH key file {path} ({exc.strerror or exc}).", KEY_HINT
        ) from exc
    head = data.lstrip()[:100]
    if head.startswith((b"ssh-", b"ecdsa-")) or b"PUBLIC KEY" in head:
        raise AuthFailed(f"{path} is a public key, not a private key.", KEY_HINT)
    if b"PRIVATE KEY-----" not in data:
        raise AuthFailed(f"{path} is not a private key file.", KEY_HINT)
    password = passphrase.encode() if passphrase else None
    try:
        try:
            loaded = _load_crypto_key(data, None)
            password = None  # not encrypted: a configured passphrase is not needed
        except TypeError:  # cryptography: the key is encrypted and no password was given
            if password is None:
                raise AuthFailed(
                    f"The SSH key {path} is protected by a passphrase.",
                    "Set OELEO_KEY_PASSPHRASE (or store it in the keyring through Settings).",
                ) from None
            try:
                loaded = _load_crypto_key(data, password)
            except ValueError:
                raise AuthFailed(
                    f"Wrong passphrase for the SSH key {path}.", "Check OELEO_KEY_PASSPHRASE."
                ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise AuthFailed(f"{path} could not be read as a private key ({exc}).", KEY_HINT) from exc
    key_class: type[paramiko.PKey]
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        key_class = paramiko.Ed25519Key
    elif isinstance(loaded, ec.EllipticCurvePrivateKey):
        key_class = paramiko.ECDSAKey
    elif isinstance(loaded, rsa.RSAPrivateKey):
        key_class = paramiko.RSAKey
    else:
        kind = "DSA" if isinstance(loaded, dsa.DSAPrivateKey) else type(loaded).__name__
        raise AuthFailed(
            f"The SSH key {path} is a {kind} key, which is not supported.",
            "Make an ed25519 key (ssh-keygen -t ed25519) and set OELEO_KEY_FILENAME to it.",
        )
    try:
        pw = password.decode() if password else None
        return key_class.from_private_key_file(str(path), password=pw)  # type: ignore[no-any-return]
    except (paramiko.SSHException, ValueError, OSError) as exc:
        raise AuthFailed(f"{path} could not be read as a private key ({exc}).", KEY_HINT) from exc


def _load_crypto_key(data: bytes, password: bytes | None) -> object:
    if b"BEGIN OPENSSH PRIVATE KEY" in data:
        return serialization.load_ssh_private_key(data, password)
    return serialization.load_pem_private_key(data, password)
