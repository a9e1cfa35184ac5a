"""Upstream's public names, signatures, defaults and Worker fields, as upstream users meet them
(from `upstream-oeleo-inventory.md` §2). Extras of ours are keyword-only, after upstream's."""

from __future__ import annotations

import dataclasses
import inspect
import logging
from typing import Any

import pytest

import oeleo_gui.api as api

UPSTREAM_SIGNATURES: dict[str, list[tuple[str, Any]]] = {
    "simple_worker": [
        ("base_directory_from", None),
        ("base_directory_to", None),
        ("db_name", None),
        ("dry_run", False),
        ("extension", None),
        ("reporter", None),
        ("include_subdirs", False),
        ("external_subdirs", False),
        ("reconnect", None),
    ],
    "ssh_worker": [
        ("base_directory_from", None),
        ("base_directory_to", None),
        ("db_name", None),
        ("extension", None),
        ("use_password", False),
        ("dry_run", False),
        ("reporter", None),
        ("is_posix", True),
        ("include_subdirs", False),
        ("external_subdirs", False),
        ("reconnect", None),
    ],
    "sharepoint_worker": [
        ("base_directory_from", None),
        ("url", None),
        ("sitename", None),
        ("doc_library_to", None),
        ("db_name", None),
        ("extension", None),
        ("reporter", None),
        ("dry_run", False),
        ("reconnect", None),
    ],
    "LocalConnector": [("directory", None), ("include_subdirs", False)],
    "SSHConnector": [
        ("username", None),
        ("host", None),
        ("directory", None),
        ("is_posix", True),
        ("use_password", False),
        ("include_subdirs", False),
    ],
    "SharePointConnector": [("username", None), ("host", None), ("url", None), ("directory", None)],
    "SimpleScheduler": [
        ("worker", inspect.Parameter.empty),
        ("run_interval_time", 43200),
        ("max_run_intervals", 1000),
        ("update_db", True),
        ("force", False),
        ("add_check", False),
        ("additional_filters", None),
    ],
    "SimpleDbHandler": [("db_name", inspect.Parameter.empty)],
    "register_password": [("pwd", None)],
    "resolve_reconnect": [("reconnect", None)],
    "start_logger": [("logdir", None), ("only_oeleo", False), ("screen_level", logging.CRITICAL)],
}


@pytest.mark.parametrize("name", sorted(UPSTREAM_SIGNATURES))
def test_upstream_parameters_in_order_with_defaults(name: str) -> None:
    params = list(inspect.signature(getattr(api, name)).parameters.values())
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [(p.name, p.default) for p in positional] == UPSTREAM_SIGNATURES[name]
    assert all(p.kind is p.KEYWORD_ONLY for p in params[len(positional) :])


def test_worker_is_a_dataclass_with_upstreams_fields_in_order() -> None:
    assert dataclasses.is_dataclass(api.Worker)
    fields = dataclasses.fields(api.Worker)
    positional = [(f.name, f.default) for f in fields if f.init and not f.kw_only]
    assert positional == [
        ("checker", dataclasses.MISSING),
        ("bookkeeper", dataclasses.MISSING),
        ("dry_run", False),
        ("local_connector", None),
        ("external_connector", None),
        ("extension", None),
        ("reporter", dataclasses.MISSING),  # a default factory, as upstream's
        ("external_name_generator", None),
        ("reconnect", False),
        ("subdirs", False),
        ("external_subdirs", False),
    ]
    assert [f.name for f in fields if f.init and f.kw_only] == ["settle_seconds"]
    not_in_init = {f.name for f in fields if not f.init}
    assert {"file_names", "number_of_local_files", "number_of_external_duplicates"} <= not_in_init
    for method in ("connect_to_db", "add_local", "filter_local", "filter_external", "check"):
        assert callable(getattr(api.Worker, method))
    for method in ("run", "close", "make_external_name"):
        assert callable(getattr(api.Worker, method))


def test_codes_are_upstreams_list_of_pairs() -> None:
    assert api.CODES == [
        (0, "should-be-copied"),
        (1, "should-be-copied-if-changed"),
        (2, "should-not-be-copied"),
    ]
    assert [code for code, _ in api.CODES] == [int(c) for c in api.FileCode]


def test_checksum_checker_is_upstreams_static_md5(tmp_path) -> None:
    f = tmp_path / "a.res"
    f.write_bytes(b"alpha")
    expected = {"checksum": "2c1743a391305fbf367df8e4f069f9f9"}
    assert api.ChecksumChecker.check(f) == expected
    assert api.ChecksumChecker().check(f, connector=api.LocalConnector(tmp_path)) == expected


def test_missing_setting_error_is_a_key_error_as_upstreams_was() -> None:
    with pytest.raises(KeyError) as caught:
        api.LocalConnector()
    assert isinstance(caught.value, api.MissingSettingError)
    assert "OELEO_BASE_DIR_FROM is not set" in str(caught.value)
