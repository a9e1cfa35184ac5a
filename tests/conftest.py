"""Root fixtures: an offscreen Qt platform and private user folders for every test.

`QT_QPA_PLATFORM=offscreen` is set before anything imports Qt (the Xvfb screenshot test runs in
its own process with its own DISPLAY). HOME and the XDG folders point into a temporary folder,
so no test reads or writes the real user's configuration, data, logs or autostart entries.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

USER_DIR_VARS = (
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_CACHE_HOME",
    "APPDATA",
    "LOCALAPPDATA",
    "USERPROFILE",
)


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test gets its own HOME and XDG folders; OELEO_/OA_ variables are cleared."""
    home = tmp_path_factory.mktemp("home")
    saved = {
        k: v for k, v in os.environ.items() if k in USER_DIR_VARS or k.startswith(("OELEO_", "OA_"))
    }
    for key in list(saved):
        if key.startswith(("OELEO_", "OA_")):
            del os.environ[key]
    os.environ["HOME"] = str(home)
    os.environ["USERPROFILE"] = str(home)
    os.environ["XDG_CONFIG_HOME"] = str(home / ".config")
    os.environ["XDG_DATA_HOME"] = str(home / ".local" / "share")
    os.environ["XDG_STATE_HOME"] = str(home / ".local" / "state")
    os.environ["XDG_CACHE_HOME"] = str(home / ".cache")
    os.environ["APPDATA"] = str(home / "AppData" / "Roaming")
    os.environ["LOCALAPPDATA"] = str(home / "AppData" / "Local")
    try:
        yield home
    finally:
        for key in USER_DIR_VARS:
            os.environ.pop(key, None)
        for key in [k for k in os.environ if k.startswith(("OELEO_", "OA_"))]:
            del os.environ[key]
        os.environ.update(saved)


OLD = time.time() - 3 * 24 * 3600  # comfortably past any settle time


def write_file(root: Path, rel: str, content: bytes | str, *, mtime: float | None = OLD) -> Path:
    """Write a source file (old enough to be settled unless `mtime` says otherwise)."""
    path = root.joinpath(*rel.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def write() -> Callable[..., Path]:
    return write_file


_HOLD_RUN_LOCK = """
import sys
from pathlib import Path
from oeleo_gui.engine import run_lock
if len(sys.argv) > 2:
    exec(sys.argv[2])  # a stand-in for another OS's locking (see test_run_lock)
lock = run_lock.RunLock(Path(sys.argv[1]))
lock.acquire(0)
print("locked", flush=True)
sys.stdin.read()
lock.release()
"""


@contextlib.contextmanager
def run_lock_held(db: Path, *prelude: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the run lock of the database `db` until the block ends (it
    says "locked" when it has it, and lets go when its stdin closes: no sleeping)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD_RUN_LOCK, str(db), *prelude],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None and proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=30)


@pytest.fixture
def hold_run_lock() -> Callable[..., contextlib.AbstractContextManager[subprocess.Popen[str]]]:
    return run_lock_held


@contextlib.contextmanager
def mounted_tmpfs(mount: Path, options: str) -> Iterator[Path]:
    """A small tmpfs of our own at `mount` (skips the test where mounting is not allowed)."""
    import pytest

    mount.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs ({options}) here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


UNPRIVILEGED = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
"""Runs a command as root without the capabilities that let root ignore file permissions, so
`chmod 444` counts as it does for a technician's account (the files stay root's)."""


_ACCESS_PROBE = "import os, sys; print(os.access(sys.argv[1], os.W_OK))"


def unprivileged_or_skip(probe_dir: Path) -> list[str]:
    """`UNPRIVILEGED`, once a read-only file proved to be read-only for it here."""
    import pytest

    probe_file = probe_dir / "read-only probe"
    probe_file.write_text("x")
    probe_file.chmod(0o444)
    try:
        probe = subprocess.run(
            [*UNPRIVILEGED, sys.executable, "-c", _ACCESS_PROBE, str(probe_file)],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        probe_file.unlink()
    if probe.returncode != 0:
        pytest.skip(f"cannot drop root's file capabilities here: {probe.stderr.strip()}")
    if probe.stdout.strip() != "False":
        pytest.skip("file permissions do not count for this process even without capabilities")
    return UNPRIVILEGED


@pytest.fixture
def casefold_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder that ignores case as a Windows share, NTFS or macOS does (`a.csv` is `A.csv`):
    a small FUSE file system (tests/casefold_fs.py), else a FAT image on a loop device; the
    test is skipped, saying why, where the machine allows neither."""
    base = tmp_path_factory.mktemp("casefold")
    mount = base / "share"
    mount.mkdir()
    reasons = []
    with contextlib.ExitStack() as cleanup:
        for attempt in (_fuse_casefold, _vfat_casefold):
            why = attempt(base, mount, cleanup)
            if why is None:
                yield mount
                return
            reasons.append(why)
    pytest.skip("no case-insensitive folder here: " + "; ".join(reasons))


def _fuse_casefold(base: Path, mount: Path, cleanup: contextlib.ExitStack) -> str | None:
    if not Path("/dev/fuse").exists():
        return "no /dev/fuse"
    try:
        import mfusepy  # noqa: F401 (only to know whether libfuse can be loaded)
    except (ImportError, OSError) as exc:
        return f"mfusepy/libfuse missing ({exc})"
    backing = base / "backing"
    backing.mkdir()
    script = Path(__file__).with_name("casefold_fs.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(backing), str(mount)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 15
    while not os.path.ismount(mount):  # a condition with a deadline, not a fixed wait
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            return f"the FUSE file system did not mount ({err.strip()[-300:]})"
        time.sleep(0.02)  # allow-sleep: polling the mount table until the mount shows

    def unmount() -> None:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)

    cleanup.callback(unmount)
    return None


def _vfat_casefold(base: Path, mount: Path, cleanup: contextlib.ExitStack) -> str | None:
    import shutil

    if shutil.which("mkfs.vfat") is None:
        return "mkfs.vfat is not installed (dosfstools)"
    image = base / "fat.img"
    with open(image, "wb") as fh:
        fh.truncate(16 * 1024 * 1024)
    made = subprocess.run(["mkfs.vfat", str(image)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return f"mkfs.vfat: {made.stderr.strip()}"
    done = subprocess.run(
        ["mount", "-o", "loop", str(image), str(mount)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return f"cannot mount a FAT image ({done.stderr.strip()})"
    cleanup.callback(subprocess.run, ["umount", "-l", str(mount)], check=False)
    return None
