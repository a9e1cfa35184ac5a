"""check_field / check_values: the reasons shown beside the settings dialog's fields."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from oeleo_gui.engine.settings.config import DestinationKind, destination_kind, secret_account
from oeleo_gui.engine.settings.field_checks import (
    check_field,
    check_values,
    private_key_problem,
)


@pytest.fixture
def key_files(tmp_path: Path) -> dict[str, Path]:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    keys = {}
    for name, args in {
        "plain": ["-t", "ed25519", "-N", ""],
        "protected": ["-t", "ed25519", "-N", "a long passphrase"],
        "ecdsa": ["-t", "ecdsa", "-N", ""],
    }.items():
        path = tmp_path / name
        subprocess.run(["ssh-keygen", "-q", *args, "-f", str(path)], check=True)
        keys[name] = path
    keys["public"] = tmp_path / "plain.pub"
    keys["text"] = tmp_path / "notes.txt"
    keys["text"].write_text("just some notes\n")
    return keys


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("OA_INCLUDE_SUBDIRS", "yes", None),
        ("OA_INCLUDE_SUBDIRS", "maybe", "Not a yes/no value"),
        ("OA_HOURS_SLEEP", "0.25", None),
        ("OA_HOURS_SLEEP", "0,5", "Not a number (use a dot: 0.5)."),
        ("OA_HOURS_SLEEP", "-1", "Must be at least 0."),
        ("OA_MAX_RUN_INTERVALS", "2.5", "Not a whole number."),
        ("OA_FROM_MONTH", "13", "Must be at least 1 and at most 12."),
        ("OELEO_NOT_AFTER", "2024-12-31", None),
        ("OELEO_NOT_AFTER", "31.12.2024", "Not a date; write it as YYYY-MM-DD"),
        ("OELEO_EXTERNAL_HOST", "server.lab:2222", None),
        ("OELEO_EXTERNAL_HOST", "[::1]:22", None),
        ("OELEO_EXTERNAL_HOST", "server:99999", "Not a host or host:port"),
        ("OELEO_EXTERNAL_HOST", "server:ssh", "Not a host or host:port"),
        ("OELEO_EXTERNAL_HOST", "lab@server", "Put the user name in the User name field"),
        ("OELEO_FILTER_EXTENSION", " ; ", "List extensions such as .res;.csv"),
        ("OELEO_RECONNECT", "5", None),
        ("OELEO_RECONNECT", "often", "Not a number of attempts"),
        ("OELEO_SHAREPOINT_URL", "example.sharepoint.com", "Not a web address"),
        ("OELEO_DESTINATION_TYPE", "ftp", "Not one of: local, ssh, sharepoint."),
        ("OELEO_USERNAME", "", None),
        ("NOT_A_SETTING", "whatever", None),
    ],
)
def test_check_field_reasons(tmp_path: Path, name: str, value: str, reason: str | None) -> None:
    got = check_field(name, value, base_dir=tmp_path)
    if reason is None:
        assert got is None
    else:
        assert got is not None
        assert got.startswith(reason)


def test_folders_relative_to_the_env_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "afile").write_text("x")
    assert check_field("OELEO_BASE_DIR_FROM", "data", base_dir=tmp_path) is None
    assert "does not exist" in (check_field("OELEO_BASE_DIR_FROM", "nope", base_dir=tmp_path) or "")
    assert "is a file, not a folder" in (
        check_field("OELEO_BASE_DIR_FROM", "afile", base_dir=tmp_path) or ""
    )
    # Made when first needed: fine if it can be created.
    assert check_field("OELEO_LOG_DIR", "logs/new", base_dir=tmp_path) is None
    assert check_field("OELEO_DB_NAME", "db/list.db", base_dir=tmp_path) is None
    assert "is a folder" in (check_field("OELEO_DB_NAME", "data", base_dir=tmp_path) or "")


def test_destination_folder_checked_only_for_local(tmp_path: Path) -> None:
    local = DestinationKind.LOCAL
    assert check_field("OELEO_BASE_DIR_TO", "/srv/x", base_dir=tmp_path, destination=local)
    assert (
        check_field(
            "OELEO_BASE_DIR_TO", "/srv/x", base_dir=tmp_path, destination=DestinationKind.SSH
        )
        is None
    )


def test_key_files(key_files: dict[str, Path], tmp_path: Path) -> None:
    assert private_key_problem(key_files["plain"]) is None
    assert private_key_problem(key_files["protected"]) is None
    assert private_key_problem(key_files["ecdsa"]) is None
    assert "public key" in (private_key_problem(key_files["public"]) or "")
    assert "Not a private key" in (private_key_problem(key_files["text"]) or "")
    assert "does not exist" in (
        check_field("OELEO_KEY_FILENAME", "missing_key", base_dir=tmp_path) or ""
    )
    assert check_field("OELEO_KEY_FILENAME", str(key_files["plain"]), base_dir=tmp_path) is None


def test_check_values_adds_config_rules(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    (tmp_path / "src").mkdir()
    values = {
        "OELEO_BASE_DIR_FROM": "src",
        "OELEO_FILTER_EXTENSION": ".csv",
        "OELEO_DESTINATION_TYPE": "ssh",
        "OELEO_EXTERNAL_HOST": "server:22",
        "OELEO_NOT_AFTER": "someday",
        "OELEO_BASE_DIR_TO": "/srv/data",
    }
    reasons = check_values(values, env_file=env_file)
    assert reasons["OELEO_NOT_AFTER"].startswith("Not a date")
    assert reasons["OELEO_USERNAME"].startswith("Required")
    assert "private key file, or a password" in reasons["OELEO_KEY_FILENAME"]
    assert "OELEO_SHAREPOINT_URL" not in reasons


def test_check_values_ok(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    values = {
        "OELEO_BASE_DIR_FROM": "src",
        "OELEO_FILTER_EXTENSION": ".csv",
        "OELEO_BASE_DIR_TO": "dst",
        "OA_SINGLE_RUN": "",
    }
    assert check_values(values, env_file=tmp_path / ".env") == {}
    assert destination_kind(values) is DestinationKind.LOCAL


def test_secret_account_matches_config() -> None:
    ssh = {"OELEO_EXTERNAL_HOST": "srv:2222", "OELEO_USERNAME": "lab"}
    assert secret_account("OELEO_PASSWORD", ssh) == "lab@srv:2222"
    sp = {"OELEO_SHAREPOINT_URL": "https://x.sharepoint.com", "OELEO_SHAREPOINT_CLIENT_ID": "id1"}
    assert secret_account("OELEO_SHAREPOINT_CLIENT_SECRET", sp) == "id1"
