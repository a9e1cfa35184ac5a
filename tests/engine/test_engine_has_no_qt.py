"""The engine must stay free of Qt: importing every engine module loads no PySide6."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import oeleo_gui.engine


def test_importing_every_engine_module_loads_no_qt() -> None:
    names = [m.name for m in pkgutil.walk_packages(oeleo_gui.engine.__path__, "oeleo_gui.engine.")]
    assert "oeleo_gui.engine.worker" in names and len(names) > 10
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({n!r})\n" for n in names)
    code += (
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'PyQt'))], 'Qt loaded'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
