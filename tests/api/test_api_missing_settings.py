"""Never a silent default that sends files somewhere the script did not name: a missing setting
is one clear error naming every missing variable, and a destination that is the source folder (or
inside it) is refused, before any database is made or any file is copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oeleo_gui.api import (
    ChecksumChecker,
    LocalConnector,
    MissingSettingError,
    ScriptConfigError,
    SharePointConnector,
    SimpleDbHandler,
    SSHConnector,
    Worker,
    register_password,
    resolve_reconnect,
    sharepoint_worker,
    simple_worker,
    ssh_worker,
)
from tests.api.conftest import files_in


def problem_keys(error: ScriptConfigError) -> list[str]:
    return [p.key for p in error.problems]


def test_nothing_set_names_every_missing_variable_at_once(workdir: Path) -> None:
    with pytest.raises(MissingSettingError) as caught:
        simple_worker()
    assert problem_keys(caught.value) == [
        "OELEO_BASE_DIR_FROM",
        "OELEO_DB_NAME",
        "OELEO_FILTER_EXTENSION",
        "OELEO_BASE_DIR_TO",
    ]
    assert isinstance(caught.value, KeyError)  # what upstream raised, for old `except KeyError`
    assert "dotenv.load_dotenv()" in str(caught.value)
    assert os.listdir(workdir) == []


def test_only_the_source_set_is_an_error_naming_the_destination(
    workdir: Path, src: Path, set_env
) -> None:
    before = files_in(src)
    set_env(OELEO_BASE_DIR_FROM=src, OELEO_DB_NAME="local2pub.db", OELEO_FILTER_EXTENSION=".res")
    with pytest.raises(MissingSettingError) as caught:
        simple_worker()
    assert problem_keys(caught.value) == ["OELEO_BASE_DIR_TO"]
    assert "OELEO_BASE_DIR_TO is not set: the folder to copy to" in str(caught.value)
    assert files_in(src) == before  # nothing "copied" onto itself
    assert os.listdir(workdir) == []  # not into the current folder, no database either


@pytest.mark.parametrize("inside", ["", "copies", "copies/2024"])
def test_a_destination_that_is_the_source_or_inside_it_is_refused(
    workdir: Path, src: Path, inside: str
) -> None:
    before = files_in(src)
    with pytest.raises(ScriptConfigError) as caught:
        simple_worker(src, src / inside, db_name="local2pub.db", extension=".res")
    assert problem_keys(caught.value) == ["OELEO_BASE_DIR_TO"]
    assert f"outside the source folder {src}" in str(caught.value)
    assert files_in(src) == before and os.listdir(workdir) == []


def test_the_destination_is_refused_when_reached_through_a_link(
    workdir: Path, src: Path, tmp_path: Path
) -> None:
    link = tmp_path / "looks elsewhere"
    link.symlink_to(src, target_is_directory=True)
    with pytest.raises(ScriptConfigError, match="outside the source folder"):
        simple_worker(src, link, db_name="x.db", extension=".res")


def test_a_worker_without_a_destination_or_with_a_changed_one_is_refused(
    workdir: Path, src: Path, dst: Path
) -> None:
    with pytest.raises(ScriptConfigError) as caught:
        Worker(ChecksumChecker(), SimpleDbHandler("x.db"), local_connector=LocalConnector(src))
    assert problem_keys(caught.value) == ["external_connector"]
    worker = simple_worker(src, dst, db_name="x.db", extension=".res")
    worker.external_connector = LocalConnector(src)  # changed later: checked again at use
    with pytest.raises(ScriptConfigError, match="outside the source folder"):
        worker.filter_local()
    assert files_in(dst) == {}


def test_a_worker_without_an_extension_is_an_error_not_an_empty_match(
    workdir: Path, src: Path, dst: Path
) -> None:
    with pytest.raises(ScriptConfigError) as caught:
        Worker(
            ChecksumChecker(),
            SimpleDbHandler("x.db"),
            local_connector=LocalConnector(src),
            external_connector=LocalConnector(dst),
        )
    assert problem_keys(caught.value) == ["extension"]


def test_ssh_worker_names_the_connection_variables_too(workdir: Path, src: Path) -> None:
    with pytest.raises(MissingSettingError) as caught:
        ssh_worker(base_directory_from=src, db_name="x.db", extension=".res")
    assert problem_keys(caught.value) == [
        "OELEO_USERNAME",
        "OELEO_EXTERNAL_HOST",
        "OELEO_BASE_DIR_TO",
    ]
    assert os.listdir(workdir) == []


def test_ssh_with_a_password_needs_one_registered(set_env) -> None:
    set_env(OELEO_USERNAME="oeleo", OELEO_EXTERNAL_HOST="server", OELEO_BASE_DIR_TO="/srv/data")
    with pytest.raises(MissingSettingError) as caught:
        SSHConnector(use_password=True)
    assert problem_keys(caught.value) == ["OELEO_PASSWORD"]
    assert "register_password()" in str(caught.value)
    register_password("s3cret-pw")
    connector = SSHConnector(use_password=True)
    assert connector.destination_values()["OELEO_PASSWORD"] == "s3cret-pw"
    assert "s3cret-pw" not in repr(connector) and "s3cret-pw" not in str(vars(connector))


def test_ssh_with_neither_key_nor_password_is_an_error_at_building(
    workdir: Path, src: Path, set_env
) -> None:
    set_env(OELEO_USERNAME="oeleo", OELEO_EXTERNAL_HOST="server", OELEO_BASE_DIR_TO="/srv/data")
    with pytest.raises(ScriptConfigError) as caught:
        ssh_worker(base_directory_from=src, db_name="x.db", extension=".res")
    assert problem_keys(caught.value) == ["OELEO_KEY_FILENAME"]


def test_sharepoint_worker_names_its_variables(workdir: Path, src: Path) -> None:
    with pytest.raises(MissingSettingError) as caught:
        sharepoint_worker(base_directory_from=src, db_name="x.db", extension=".res")
    assert problem_keys(caught.value) == [
        "OELEO_SHAREPOINT_SITENAME",
        "OELEO_SHAREPOINT_URL",
        "OELEO_SHAREPOINT_DOC_LIBRARY",
        "OELEO_PASSWORD",
    ]
    with pytest.raises(MissingSettingError):
        SharePointConnector(host="lab", url="https://x.sharepoint.com", directory="Documents")


def test_a_database_name_is_required(workdir: Path) -> None:
    with pytest.raises(MissingSettingError, match="OELEO_DB_NAME"):
        SimpleDbHandler("")


def test_a_source_folder_that_is_not_there_is_an_error_when_filtering(
    workdir: Path, tmp_path: Path, dst: Path
) -> None:
    worker = simple_worker(tmp_path / "unplugged drive", dst, db_name="x.db", extension=".res")
    with pytest.raises(ScriptConfigError) as caught:
        worker.filter_local()
    assert problem_keys(caught.value) == ["OELEO_BASE_DIR_FROM"]
    assert "unplugged drive" in str(caught.value)


def test_reconnect_comes_from_the_argument_else_oeleo_reconnect(set_env) -> None:
    assert resolve_reconnect() is False
    set_env(OELEO_RECONNECT="yes")
    assert resolve_reconnect() is True and resolve_reconnect(False) is False
    set_env(OELEO_RECONNECT="sometimes")
    with pytest.raises(ValueError, match="OELEO_RECONNECT='sometimes'"):
        resolve_reconnect()
