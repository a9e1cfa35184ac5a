"""The tray application (PySide6). Modules here import the engine, never the reverse.

This `__init__` imports no Qt, so `oeleo_gui.gui.headless` can run the schedule without loading
PySide6. PySide6 6.12.0 is excluded on Python 3.11 in pyproject.toml: it drops a reference to None
on every void Qt call, which aborts the process ("none_dealloc") after a few thousand calls.
"""
