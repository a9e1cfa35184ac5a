"""Sizes in words, shared by the command line and the windows."""

from __future__ import annotations

from oeleo_gui.engine.units import format_size


def test_sizes_read_like_a_file_manager() -> None:
    assert format_size(0) == "0 B" and format_size(1023) == "1023 B"
    assert format_size(1536) == "1.5 KB"
    assert format_size(300 * 1024 * 1024) == "300.0 MB"
    assert format_size(5 * 1024**4) == "5120.0 GB"  # GB is the largest unit
    assert format_size(None) == "" and format_size(None, "-") == "-"
