"""Whether a process still runs, on every platform (no psutil): the schedule's owner and the
run lock's holder are named by their process id."""

from __future__ import annotations

import os
import sys


def process_exists(pid: int) -> bool:
    """True when a process with this id runs now (on Windows: can be opened for a query)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_exists(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def _windows_process_exists(pid: int) -> bool:
    import ctypes  # Windows only; `status` starts without it elsewhere

    process_query_limited_information = 0x1000
    still_active = 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
