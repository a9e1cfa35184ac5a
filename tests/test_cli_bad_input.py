"""Bad configurations, typed as technicians type them (issue 13, cases 1, 3, 10, 11, 14, 15, 16):
each is reported at once, in words, with exit code 2, before anything is opened or copied."""

from __future__ import annotations

import ntpath
import os
import posixpath
from pathlib import Path

import pytest

from oeleo_gui.cli import main
from oeleo_gui.engine.settings.envfile import read_env_lines, save_env
from oeleo_gui.engine.settings.path_rules import is_same_or_inside
from tests.conftest import write_file

GOOD = {
    "OELEO_BASE_DIR_FROM": "raw",
    "OELEO_BASE_DIR_TO": "pub",
    "OELEO_FILTER_EXTENSION": ".res",
    "OELEO_DB_NAME": "lab.db",
    "OELEO_LOG_DIR": "logs",
}


@pytest.fixture
def lab(tmp_path: Path, monkeypatch) -> Path:
    for name in ("raw", "pub"):
        (tmp_path / name).mkdir()
    write_file(tmp_path / "raw", "cell 1.res", "one")
    write_file(tmp_path / "raw", "notes.txt", "two")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_env(lab: Path, text: str | None = None, **changes: str | None) -> Path:
    values = {**GOOD, **changes}
    body = text if text is not None else "".join(f"{k}={v}\n" for k, v in values.items() if v)
    env = lab / ".env"
    env.write_text(body, encoding="utf-8")
    return env


def run(*argv: str, capsys) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def tree(folder: Path) -> dict[str, int]:
    """Every path under `folder` with its inode: a rename or a rewrite shows."""
    return {str(p.relative_to(folder)): p.stat().st_ino for p in sorted(folder.rglob("*"))}


# --- 1: OELEO_DB_NAME naming a folder -------------------------------------------------------------
@pytest.mark.parametrize("db_name", [".", "raw"])
@pytest.mark.parametrize("command", ["sync", "files", "check", "lock"])
def test_a_database_name_that_is_a_folder_stops_before_anything_is_opened(
    lab: Path, capsys, db_name: str, command: str
) -> None:
    env = write_env(lab, OELEO_DB_NAME=db_name)
    before = tree(lab)
    argv = ["--env", str(env), command] + (["raw/cell 1.res"] if command == "lock" else [])
    code, text = run(*argv, capsys=capsys)
    assert code == 2
    assert "OELEO_DB_NAME" in text and "a file name, not a folder" in text
    assert "Traceback" not in text
    after = tree(lab)
    assert not [p for p in after if ".corrupt-" in p]
    # nothing renamed, nothing made (a log folder at most)
    assert {p: i for p, i in after.items() if not p.startswith("logs")} == before


def test_doctor_says_so_too_and_opens_nothing(lab: Path, capsys) -> None:
    env = write_env(lab, OELEO_DB_NAME=".")
    code, text = run("--env", str(env), "doctor", capsys=capsys)
    assert code == 1 and "BAD  OELEO_DB_NAME" in text and "All checks passed" not in text
    assert lab.is_dir() and not [p for p in lab.iterdir() if ".corrupt-" in p.name]


# --- 3: the destination is the source, or inside it -----------------------------------------------
@pytest.mark.parametrize(
    "destination",
    ["raw", "raw/", "./raw/../raw", "{lab}/raw", "link to raw", "raw/backup", "link to raw/backup"],
)
def test_a_destination_that_is_the_source_or_inside_it_is_refused(
    lab: Path, capsys, destination: str
) -> None:
    (lab / "link to raw").symlink_to(lab / "raw", target_is_directory=True)
    (lab / "raw" / "backup").mkdir()
    env = write_env(lab, OELEO_BASE_DIR_TO=destination.format(lab=lab), OA_INCLUDE_SUBDIRS="true")
    before = tree(lab / "raw")
    code, text = run("--env", str(env), "sync", capsys=capsys)
    assert code == 2
    assert "OELEO_BASE_DIR_TO" in text
    assert f"a folder outside the source folder {lab / 'raw'} (OELEO_BASE_DIR_FROM)" in text
    assert tree(lab / "raw") == before  # no file replaced by a copy of itself, no copy nested


def test_a_destination_beside_the_source_with_a_similar_name_is_fine(lab: Path, capsys) -> None:
    (lab / "raw-backup").mkdir()
    env = write_env(lab, OELEO_BASE_DIR_TO="raw-backup")
    assert run("--env", str(env), "sync", capsys=capsys)[0] == 0
    assert (lab / "raw-backup" / "cell 1.res").read_text() == "one"


def test_windows_compares_folders_without_case_and_with_either_slash() -> None:
    assert is_same_or_inside(r"C:\Data\Backup", "c:/data", flavour=ntpath)
    assert is_same_or_inside(r"c:\DATA", "C:\\Data\\", flavour=ntpath)
    assert not is_same_or_inside(r"C:\Data2", r"C:\Data", flavour=ntpath)
    assert not is_same_or_inside("/srv/Data/x", "/srv/data", flavour=posixpath)


# --- 10: .env saved by Notepad as "Unicode" or "ANSI" ---------------------------------------------
def test_a_env_saved_as_utf16_is_read(lab: Path, capsys) -> None:
    env = lab / ".env"
    text = "".join(f"{k}={v}\r\n" for k, v in GOOD.items())
    env.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    code, out = run("--env", str(env), "sync", capsys=capsys)
    assert code == 0, out
    assert (lab / "pub" / "cell 1.res").read_text() == "one"


def test_saving_settings_keeps_a_utf16_env_utf16(lab: Path) -> None:
    env = lab / ".env"
    env.write_bytes(b"\xff\xfe" + "# Müller's PC\r\nOA_HOURS_SLEEP=1\r\n".encode("utf-16-le"))
    save_env(env, {"OA_HOURS_SLEEP": "2"})
    data = env.read_bytes()
    assert data.startswith(b"\xff\xfe")
    assert data[2:].decode("utf-16-le") == "# Müller's PC\r\nOA_HOURS_SLEEP=2\r\n"
    assert [line.key for line in read_env_lines(env)] == [None, "OA_HOURS_SLEEP"]


def test_a_env_saved_as_ansi_says_which_file_and_what_to_do(lab: Path, capsys) -> None:
    env = lab / ".env"
    text = "".join(f"{k}={v}\n" for k, v in GOOD.items()) + "# Messplatz Müller\n"
    env.write_bytes(text.encode("cp1252"))
    code, out = run("--env", str(env), "sync", capsys=capsys)
    assert code == 2
    assert str(env) in out and "line 6" in out and "save it as UTF-8" in out
    assert "Traceback" not in out and "log" not in out.lower()


# --- 11: extension lists with commas or blanks ----------------------------------------------------
@pytest.mark.parametrize("extensions", [".res,.txt", ".res .txt", ".res, .txt;", "res;txt"])
def test_extensions_may_be_separated_by_commas_and_blanks(
    lab: Path, capsys, extensions: str
) -> None:
    env = write_env(lab, OELEO_FILTER_EXTENSION=extensions)
    code, out = run("--env", str(env), "sync", capsys=capsys)
    assert code == 0 and "2 copied" in out
    assert sorted(p.name for p in (lab / "pub").iterdir()) == [".oeleo", "cell 1.res", "notes.txt"]


def test_doctor_warns_when_nothing_in_the_source_matches(lab: Path, capsys) -> None:
    env = write_env(lab, OELEO_FILTER_EXTENSION=".csv")
    code, out = run("--env", str(env), "doctor", capsys=capsys)
    assert code == 0
    assert "WARN no file in the source folder matches" in out
    assert "All checks passed" not in out and "1 warning(s)" in out


# --- 14: the source folder missing, a Windows path, a file: every problem at once, once -----------
def test_every_problem_values_and_folders_at_once_printed_once(lab: Path, capsys) -> None:
    env = write_env(lab, OELEO_BASE_DIR_FROM="raw/cell 1.res", OA_HOURS_SLEEP="soon")
    code, out = run("--env", str(env), "sync", capsys=capsys)
    assert code == 2
    assert out.count("is a file, not a folder") == 1 and out.count("OA_HOURS_SLEEP") == 1
    assert "has 2 problem(s)" in out and "not found" not in out


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("missing", "an existing folder (it was not found)"),
        (r"D:\Messdaten\Zelle 3", "this is a Windows path"),
        (r"\\server\share\data", "this is a Windows path"),
    ],
)
def test_a_source_that_is_not_there_is_a_configuration_problem(
    lab: Path, capsys, value: str, words: str
) -> None:
    if os.name == "nt" and "Windows path" in words:
        pytest.skip("Windows paths are this system's paths on Windows")
    env = write_env(lab, OELEO_BASE_DIR_FROM=value)
    code, out = run("--env", str(env), "sync", capsys=capsys)
    assert code == 2 and out.count(words) == 1 and "OELEO_BASE_DIR_FROM" in out


# --- 15: quoted Windows paths ---------------------------------------------------------------------
def test_a_windows_path_in_double_quotes_is_explained(lab: Path, capsys) -> None:
    env = write_env(
        lab,
        text='OELEO_BASE_DIR_FROM="C:\\data\\new"\nOELEO_BASE_DIR_TO=pub\n'
        "OELEO_FILTER_EXTENSION=.res\nOELEO_DB_NAME=lab.db\n",
    )
    code, out = run("--env", str(env), "sync", capsys=capsys)
    assert code == 2
    assert "write Windows paths without quotes, or in single quotes" in out
    assert "C:\\data[line break]ew" in out  # what python-dotenv made of it, made visible
    assert not (lab / "lab.db").exists()


# --- 16: lowercase names, and --env after the command ---------------------------------------------
def test_a_lowercase_name_gets_did_you_mean(lab: Path, capsys) -> None:
    env = write_env(lab, text="".join(f"{k.lower()}={v}\n" for k, v in GOOD.items()))
    code, out = run("--env", str(env), "sync", capsys=capsys)
    assert code == 2
    assert "oeleo_base_dir_from is not a setting" in out
    assert "Did you mean OELEO_BASE_DIR_FROM? (names are written in capitals)" in out


def test_a_lowercase_optional_name_is_reported_by_doctor(lab: Path, capsys) -> None:
    env = write_env(lab, oa_hours_sleep="2")
    code, out = run("--env", str(env), "doctor", capsys=capsys)
    assert code == 0 and "WARN oa_hours_sleep is not a setting" in out
    assert "Did you mean OA_HOURS_SLEEP?" in out


def test_env_after_the_command(lab: Path, capsys, monkeypatch) -> None:
    env = write_env(lab)
    monkeypatch.chdir(lab / "raw")  # no .env here: only --env finds it
    code, out = run("sync", "--env", str(env), capsys=capsys)
    assert code == 0 and "1 copied" in out
    assert run("files", "--env", str(env), "--json", capsys=capsys)[0] == 0
    assert (
        run("-v", "lock", "--env", str(env), str(lab / "raw" / "cell 1.res"), capsys=capsys)[0] == 0
    )
