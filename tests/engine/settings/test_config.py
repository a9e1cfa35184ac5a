"""Settings: upstream's variables, booleans, .env discovery, every problem reported at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from oeleo_gui.engine.errors import ConfigError
from oeleo_gui.engine.settings import config
from oeleo_gui.engine.settings.config import DestinationKind, load_settings, settings_from_values
from oeleo_gui.engine.settings.paths import find_env_file
from oeleo_gui.engine.settings.values import mask, normalise_extensions, parse_bool, parse_host
from oeleo_gui.engine.settings.variables import ignored_variables

BASE = {
    "OELEO_BASE_DIR_FROM": "/data/from",
    "OELEO_BASE_DIR_TO": "/data/to",
    "OELEO_FILTER_EXTENSION": ".res",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("YES", True),
        ("y", True),
        ("1", True),
        ("On", True),
        ("false", False),
        ("No", False),
        ("N", False),
        ("0", False),
        ("OFF", False),
    ],
)
def test_booleans_accept_upstreams_words_and_on_off(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected
    settings = settings_from_values({**BASE, "OA_INCLUDE_SUBDIRS": text})
    assert settings.include_subdirs is expected


def test_bad_boolean_is_rejected() -> None:
    with pytest.raises(ValueError, match="maybe"):
        parse_bool("maybe")


def test_extensions_are_normalised_case_insensitive_and_deduplicated() -> None:
    assert normalise_extensions(".RES; res;.csv;;") == (".res", ".csv")
    assert normalise_extensions("*") == ("*",)
    assert normalise_extensions("*.TXT") == (".txt",)


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [("server", "server", 22), ("server:2222", "server", 2222), ("[::1]:2200", "::1", 2200)],
)
def test_host_and_port(text: str, host: str, port: int) -> None:
    assert parse_host(text) == (host, port)


@pytest.mark.parametrize("text", ["lab@server", "server:0", "server:x", "a b"])
def test_bad_hosts_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_host(text)


def test_every_problem_is_reported_at_once_with_names_values_and_expectations() -> None:
    values = {
        "OELEO_BASE_DIR_TO": "/data/to",
        "OA_HOURS_SLEEP": "half an hour",
        "OA_SINGLE_RUN": "maybe",
        "OELEO_EXTERNAL_HOST": "lab@server",
        "OELEO_PASSWORD": "hunter22",
        "OA_FROM_MONTH": "13",
    }
    with pytest.raises(ConfigError) as caught:
        settings_from_values(values)
    keys = {p.key for p in caught.value.problems}
    assert {
        "OELEO_BASE_DIR_FROM",
        "OELEO_FILTER_EXTENSION",
        "OA_HOURS_SLEEP",
        "OA_SINGLE_RUN",
        "OELEO_EXTERNAL_HOST",
        "OELEO_USERNAME",
    } <= keys
    text = str(caught.value)
    assert "'half an hour'" in text and "a number" in text
    assert "OELEO_USERNAME" in text
    assert "hunter22" not in text


def test_misspelt_variable_names_are_reported_as_ignored_with_a_suggestion() -> None:
    values = {**BASE, "OA_MAX_RUNS": "5", "OELEO_FILTER_EXTENSIONS": ".csv", "PATH": "/bin"}
    settings = settings_from_values(values)
    assert settings.ignored == (
        "OA_MAX_RUNS is not a setting of oeleo-gui and is ignored. "
        "Did you mean OA_MAX_RUN_INTERVALS?",
        "OELEO_FILTER_EXTENSIONS is not a setting of oeleo-gui and is ignored. "
        "Did you mean OELEO_FILTER_EXTENSION?",
    )
    assert settings_from_values(BASE).ignored == ()
    unlike = ignored_variables({"OELEO_QWERTY": "1"})
    assert unlike == ("OELEO_QWERTY is not a setting of oeleo-gui and is ignored.",)


def test_secret_values_are_masked_in_problems() -> None:
    values = {
        **BASE,
        "OELEO_EXTERNAL_HOST": "server:notaport",
        "OELEO_USERNAME": "lab",
        "OELEO_PASSWORD": "s3cret-pass",
        "OELEO_KEY_PASSPHRASE": "another-secret",
    }
    with pytest.raises(ConfigError) as caught:
        settings_from_values(values)
    assert "s3cret-pass" not in str(caught.value)
    assert mask("OELEO_PASSWORD", "s3cret-pass") == "********"


def test_destination_kind_is_guessed_from_upstream_variables() -> None:
    assert settings_from_values(BASE).destination_kind is DestinationKind.LOCAL
    ssh = settings_from_values(
        {**BASE, "OELEO_EXTERNAL_HOST": "srv:2222", "OELEO_USERNAME": "lab", "OELEO_PASSWORD": "pw"}
    )
    assert ssh.destination_kind is DestinationKind.SSH
    assert ssh.ssh is not None and (ssh.ssh.host, ssh.ssh.port) == ("srv", 2222)
    assert "pw" not in repr(ssh)


def test_upstream_defaults_for_the_runner_variables() -> None:
    s = settings_from_values(BASE)
    assert (s.hours_sleep, s.max_run_intervals, s.single_run, s.add_check) == (
        0.5,
        200,
        False,
        False,
    )
    assert s.not_before is not None and (s.not_before.year, s.not_before.month) == (2023, 1)
    assert s.reconnect_attempts == 3
    assert settings_from_values({**BASE, "OELEO_RECONNECT": "no"}).reconnect_attempts == 0


def test_env_file_relative_paths_resolve_against_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "portable"
    folder.mkdir()
    env = folder / ".env"
    env.write_text(
        "# comment\nOELEO_BASE_DIR_FROM=data\\raw\nOELEO_BASE_DIR_TO=out\n"
        "OELEO_FILTER_EXTENSION=.res\nOELEO_DB_NAME=local2pub.db\n"
    )
    s = load_settings(env, environ={})
    assert s.db_path == folder / "local2pub.db"
    assert s.destination == str(folder / "out")


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("OELEO_BASE_DIR_FROM=/a\nOELEO_BASE_DIR_TO=/b\nOELEO_FILTER_EXTENSION=.res\n")
    s = load_settings(env, environ={"OELEO_FILTER_EXTENSION": ".csv", "HOME": "/ignored"})
    assert s.extensions == (".csv",)


def test_missing_explicit_env_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--env"):
        load_settings(tmp_path / "nope.env", environ={})


def test_env_file_search_order_current_folder_then_user_config(tmp_path: Path, monkeypatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    config_home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    assert find_env_file(None, cwd=cwd) is None
    user_env = config_home / "oeleo-gui" / ".env"
    user_env.parent.mkdir(parents=True)
    user_env.write_text("X=1\n")
    assert find_env_file(None, cwd=cwd) == user_env.resolve()
    (cwd / ".env").write_text("X=2\n")
    assert find_env_file(None, cwd=cwd) == (cwd / ".env").resolve()
    explicit = tmp_path / "other.env"
    assert find_env_file(explicit, cwd=cwd) == explicit.resolve()


def test_keyring_supplies_a_password_missing_from_env(monkeypatch) -> None:
    seen = {}

    def fake_get(variable: str, account: str) -> str | None:
        seen[variable] = account
        return "from-keyring" if variable == "OELEO_PASSWORD" else None

    monkeypatch.setattr(config.secret_store, "get_secret", fake_get)
    s = settings_from_values({**BASE, "OELEO_EXTERNAL_HOST": "srv", "OELEO_USERNAME": "lab"})
    assert s.ssh is not None and s.ssh.password == "from-keyring"
    assert seen["OELEO_PASSWORD"] == "lab@srv:22"
    assert "from-keyring" in s.secrets()


def test_process_environment_is_not_read_when_a_mapping_is_given(tmp_path: Path) -> None:
    os.environ.setdefault("OELEO_UNUSED_FOR_TEST", "1")
    assert "OELEO_UNUSED_FOR_TEST" not in config.read_env_values(None, environ={})
