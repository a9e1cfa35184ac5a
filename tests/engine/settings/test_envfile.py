"""save_env: line-preserving, atomic `.env` writes that python-dotenv reads back exactly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dotenv import dotenv_values

from oeleo_gui.engine.settings.envfile import read_env_lines, render_env, save_env

HAND_WRITTEN = (
    "# oeleo settings for the Arbin PC\n"
    "\n"
    "OELEO_BASE_DIR_FROM=C:\\data\\arbin   # where the tester writes\n"
    "export OELEO_FILTER_EXTENSION=.res;.csv\n"
    "\n"
    "\n"
    "  # indented comment\n"
    "MY_OWN_THING=keep me\n"
    "OA_HOURS_SLEEP = 0.5\n"
    "OELEO_NOT_AFTER=\n"
    "OELEO_USERNAME='lab user'\n"
    'OELEO_BASE_DIR_TO="\\\\\\\\server\\\\share"\n'
    "UNRELATED_NO_VALUE\n"
    "OA_SINGLE_RUN=no"  # no newline at the end
)


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "cfg" / ".env"
    path.parent.mkdir()
    path.write_bytes(HAND_WRITTEN.encode())
    return path


def test_lines_join_to_the_file(env_file: Path) -> None:
    lines = read_env_lines(env_file)
    assert "".join(line.text for line in lines) == HAND_WRITTEN
    assert [line.key for line in lines if line.key][:2] == [
        "OELEO_BASE_DIR_FROM",
        "OELEO_FILTER_EXTENSION",
    ]


def test_saving_the_same_values_changes_no_byte(env_file: Path) -> None:
    values = {k: v for k, v in dotenv_values(env_file).items() if k.startswith(("OELEO_", "OA_"))}
    save_env(env_file, values)
    assert env_file.read_bytes() == HAND_WRITTEN.encode()
    assert not env_file.with_name(".env.bak").exists()  # nothing written at all


def test_changes_only_the_given_keys_and_keeps_layout(env_file: Path) -> None:
    save_env(env_file, {"OA_HOURS_SLEEP": "2", "OELEO_BASE_DIR_FROM": "D:\\new data"})
    text = env_file.read_text()
    assert "OA_HOURS_SLEEP = 2\n" in text
    # Inline comment kept; the value has a space but no " #", so it stays bare.
    assert "OELEO_BASE_DIR_FROM=D:\\new data   # where the tester writes\n" in text
    assert (
        text.replace("OA_HOURS_SLEEP = 2", "OA_HOURS_SLEEP = 0.5").replace(
            "D:\\new data", "C:\\data\\arbin"
        )
        == HAND_WRITTEN
    )
    values = dotenv_values(env_file)
    assert values["OA_HOURS_SLEEP"] == "2"
    assert values["OELEO_BASE_DIR_FROM"] == "D:\\new data"
    assert values["MY_OWN_THING"] == "keep me"
    assert env_file.with_name(".env.bak").read_bytes() == HAND_WRITTEN.encode()


def test_export_prefix_is_kept(env_file: Path) -> None:
    save_env(env_file, {"OELEO_FILTER_EXTENSION": "*"})
    assert "export OELEO_FILTER_EXTENSION=*\n" in env_file.read_text()


def test_new_keys_are_appended_in_order_and_none_removes(env_file: Path) -> None:
    save_env(env_file, {"OELEO_LOG_DIR": "logs", "OA_SINGLE_RUN": None, "OA_ADD_CHECK": "yes"})
    text = env_file.read_text()
    assert "OA_SINGLE_RUN" not in text
    assert text.endswith("UNRELATED_NO_VALUE\nOELEO_LOG_DIR=logs\nOA_ADD_CHECK=yes\n")


def test_refuses_keys_it_does_not_own(env_file: Path) -> None:
    with pytest.raises(ValueError, match="MY_OWN_THING"):
        save_env(env_file, {"MY_OWN_THING": "x"})
    assert env_file.read_bytes() == HAND_WRITTEN.encode()


def test_crlf_file_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    original = b"# windows\r\nOELEO_BASE_DIR_FROM=C:\\data\r\nOTHER=1\r\n"
    path.write_bytes(original)
    save_env(path, {"OELEO_BASE_DIR_FROM": "C:\\data"})
    assert path.read_bytes() == original
    save_env(path, {"OELEO_BASE_DIR_FROM": "E:\\x", "OA_HOURS_SLEEP": "1"})
    assert path.read_bytes() == (
        b"# windows\r\nOELEO_BASE_DIR_FROM=E:\\x\r\nOTHER=1\r\nOA_HOURS_SLEEP=1\r\n"
    )


def test_bom_and_odd_bytes_survive(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    original = "\ufeff# caf\xe9\nOELEO_USERNAME=a\n".encode() + b"LATIN1=\xe9\n"
    path.write_bytes(original)
    save_env(path, {"OELEO_USERNAME": "b"})
    assert path.read_bytes() == original.replace(b"=a\n", b"=b\n")


def test_creates_missing_file_and_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / ".env"
    save_env(path, {"OELEO_BASE_DIR_FROM": "/data", "OELEO_FILTER_EXTENSION": ".csv"})
    assert dotenv_values(path) == {"OELEO_BASE_DIR_FROM": "/data", "OELEO_FILTER_EXTENSION": ".csv"}
    assert not path.with_name(".env.bak").exists()


TRICKY_VALUES = [
    "",
    "plain",
    "C:\\data\\arbin",
    "\\\\server\\share\\lab data",
    "C:\\ends with backslash\\",
    "with space",
    " leading and trailing ",
    "has # hash",
    "#starts-with-hash",
    "a#b",
    "it's",
    'say "hi"',
    "'single'",
    '"double"',
    "back\\'slash quote",
    "tab\there",
    "unicode é ø 漢字",
    "semi;colon;.csv",
    "=equals=",
    "\\n not a newline",
]


@pytest.mark.parametrize("value", TRICKY_VALUES)
@pytest.mark.parametrize("layout", ["KEY={}\n", "export KEY = {} # note\n", "KEY='x'\n"])
def test_every_written_value_reads_back_identically(
    tmp_path: Path, value: str, layout: str
) -> None:
    path = tmp_path / ".env"
    path.write_text(layout.replace("KEY", "OELEO_X").format("old"))
    save_env(path, {"OELEO_X": value, "OELEO_NEW": value})
    values = dotenv_values(path)
    assert values["OELEO_X"] == value
    assert values["OELEO_NEW"] == value


def test_multiline_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="several lines"):
        render_env("", {"OELEO_X": "a\nb"})


def test_a_failed_write_leaves_the_old_file(
    env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk gone"):
        save_env(env_file, {"OA_HOURS_SLEEP": "3"})
    assert env_file.read_bytes() == HAND_WRITTEN.encode()
    assert [p.name for p in env_file.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_file_mode_is_kept(env_file: Path) -> None:
    env_file.chmod(0o600)
    save_env(env_file, {"OA_HOURS_SLEEP": "3"})
    assert env_file.stat().st_mode & 0o777 == 0o600
