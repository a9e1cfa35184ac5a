"""The PyInstaller build, run as a technician runs it: the built binary, never the source.

A module fixture builds `dist/oeleo-gui/` once with `scripts/build_exe.sh` (on Windows with
PyInstaller directly) into a temporary folder, unless `OELEO_EXE` points at an already built
`oeleo-gui` executable. The binaries then run in a clean environment (a temporary HOME, no
OELEO_*/OA_* variables, no venv on PATH): `--version`, a portable `sync` (the `.env` beside a
copy of the folder, started from another folder), a `sync` into a real OpenSSH server with each
key type, `doctor` against SSH and SharePoint settings (the connectors and their libraries are
imported lazily, so only running them proves they were bundled), and the tray start-up path.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oeleo_gui import __version__
from tests import sshd_server
from tests.xvfb_server import TrayHost, answers, start_xvfb, stop

pytestmark = [pytest.mark.exe, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
IS_WINDOWS = sys.platform == "win32"
SUFFIX = ".exe" if IS_WINDOWS else ""
GUI_NAME = f"oeleo-gui{SUFFIX}"
CLI_NAME = f"oeleo-gui-cli{SUFFIX}"
BUILD_TIMEOUT = 600
RUN_TIMEOUT = 120
OLD = time.time() - 3 * 24 * 3600  # past any settle time
SIZE_BUDGET_MB = 250  # measured 164 MB on Linux (PySide6 6.12, Python 3.11)
IMPORT_FAILURES = ("ModuleNotFoundError", "No module named", "ImportError")


# --- the build ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built `oeleo-gui` folder: from OELEO_EXE, else built now (a fresh machine in CI)."""
    given = os.environ.get("OELEO_EXE")
    if given:
        exe = Path(given).resolve()
        assert exe.is_file(), f"OELEO_EXE={given} is not a file"
        return exe.parent
    out = tmp_path_factory.mktemp("exe-build")
    dist, work = out / "dist", out / "build"
    if IS_WINDOWS:
        command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean"]
        command += ["--distpath", str(dist), "--workpath", str(work), str(ROOT / "build_exe.spec")]
    else:  # the documented command itself
        command = ["bash", str(ROOT / "scripts" / "build_exe.sh")]
        command += ["--distpath", str(dist), "--workpath", str(work)]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"the build failed:\n{done.stdout}\n{done.stderr}"
    print(f"built the executable in {time.monotonic() - started:.0f} s")
    return dist / "oeleo-gui"


# --- running it ---------------------------------------------------------------------------------
@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh user: no oeleo variables, no venv, Qt without a screen."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OELEO_", "OA_", "PYTHON", "XDG_", "VIRTUAL_ENV", "QT_"))
    }
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    env.update(HOME=str(home), USERPROFILE=str(home), QT_QPA_PLATFORM="offscreen")
    if IS_WINDOWS:
        env.update(APPDATA=str(home / "AppData" / "Roaming"))
        env.update(LOCALAPPDATA=str(home / "AppData" / "Local"))
    else:
        env.update(XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"))
        env.update(XDG_STATE_HOME=str(home / ".state"), XDG_CACHE_HOME=str(home / ".cache"))
    env.update(extra)
    return env


def run(
    exe: Path, *args: str, cwd: Path, env: dict[str, str], timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


def assert_no_import_failure(text: str) -> None:
    for marker in IMPORT_FAILURES:
        assert marker not in text, f"a module is missing from the frozen build:\n{text}"


def logs_under(folder: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.rglob("oeleo.log*"))


def cli_exe(app: Path) -> Path:
    """The executable whose output tests read: on Windows the console one (a windowed .exe
    writes to its caller's console, not to pipes it may not have)."""
    return app / (CLI_NAME if IS_WINDOWS else GUI_NAME)


def write_source(folder: Path) -> dict[str, bytes]:
    """A small instrument folder; returns the files a `.csv` sync must copy."""
    files = {"run-001.csv": b"t,v\n0,1.5\n", "cell 2/run-002.csv": b"t,v\n1,2.5\n" * 100}
    for rel, data in {**files, "notes.txt": b"not copied"}.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (OLD, OLD))
    return files


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f'{k}="{v}"\n' for k, v in values.items()), encoding="utf-8")
    return path


def source_settings(src: Path, dst: str) -> dict[str, str]:
    return {
        "OELEO_BASE_DIR_FROM": str(src),
        "OELEO_BASE_DIR_TO": dst,
        "OELEO_FILTER_EXTENSION": ".csv",
        "OA_INCLUDE_SUBDIRS": "true",
        "OA_EXTERNAL_SUBDIRS": "true",
        "OA_FROM_YEAR": "2000",
    }


def db_rows(db: Path) -> dict[str, int]:
    """rel_path -> code, read with plain sqlite3 (not the app's code)."""
    assert db.is_file(), f"no database at {db}"
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT local_name, code FROM filelist").fetchall())


# --- tests --------------------------------------------------------------------------------------
def test_version_comes_from_the_package(app_dir: Path, home: Path, tmp_path: Path) -> None:
    for name in (GUI_NAME, CLI_NAME):
        if IS_WINDOWS and name == GUI_NAME:
            continue  # windowed: its output goes to the caller's console, not to our pipes
        done = run(app_dir / name, "--version", cwd=tmp_path, env=clean_env(home))
        assert done.returncode == 0, output(done)
        assert done.stdout.strip() == f"oeleo-gui {__version__}", output(done)


def test_portable_copy_finds_the_env_beside_the_executable(
    app_dir: Path, home: Path, tmp_path: Path
) -> None:
    stick = tmp_path / "USB stick" / "oeleo-gui"
    shutil.copytree(app_dir, stick, symlinks=True)
    src, dst, elsewhere = tmp_path / "instrument", tmp_path / "server share", tmp_path / "other"
    for folder in (src, dst, elsewhere):
        folder.mkdir()
    files = write_source(src)
    write_env(stick / ".env", source_settings(src, str(dst)))

    done = run(cli_exe(stick), "sync", cwd=elsewhere, env=clean_env(home))

    assert done.returncode == 0, output(done)
    for rel, data in files.items():
        assert (dst / rel).read_bytes() == data
    assert not (dst / "notes.txt").exists()
    assert db_rows(stick / "oeleo-file-list.db").keys() == set(files)  # beside its .env
    assert list(elsewhere.iterdir()) == []  # nothing written in the current folder
    assert "run-001.csv" in logs_under(home)  # the user's log folder
    again = run(cli_exe(stick), "sync", "--json", cwd=elsewhere, env=clean_env(home))
    assert again.returncode == 0, output(again)
    assert '"copied": []' in again.stdout, output(again)


def test_lab_overview_reads_records_and_the_web_page_is_left_out(
    app_dir: Path, home: Path, tmp_path: Path
) -> None:
    """The status record is written by the frozen app and read by its `lab`; the web page (an
    optional extra for the data server) is not in the technician's executable and says so."""
    src, dst = tmp_path / "instrument", tmp_path / "server share"
    src.mkdir()
    dst.mkdir()
    write_source(src)
    env = write_env(
        tmp_path / "frozen.env", {**source_settings(src, str(dst)), "OELEO_INSTRUMENT_NAME": "PC 7"}
    )
    synced = run(cli_exe(app_dir), "--env", str(env), "sync", cwd=tmp_path, env=clean_env(home))
    assert synced.returncode == 0, output(synced)
    lab = run(
        cli_exe(app_dir), "lab", "--dir", str(dst), "--json", cwd=tmp_path, env=clean_env(home)
    )
    assert lab.returncode == 0, output(lab)
    [row] = json.loads(lab.stdout)["instruments"]
    assert (row["name"], row["verdict"]) == ("PC 7", "safe")
    serve = run(
        cli_exe(app_dir), "lab", "--serve", "--dir", str(dst), cwd=tmp_path, env=clean_env(home)
    )
    assert serve.returncode == 2, output(serve)
    assert 'pip install "oeleo-gui[server]"' in serve.stderr


@pytest.fixture(scope="module")
def sshd() -> Iterator[Any]:
    """A real OpenSSH server from tests/sshd_server.py (as tests/engine/connectors uses)."""
    if IS_WINDOWS:
        pytest.skip("the test sshd runs on Linux")
    module = sshd_server
    binary = module.sshd_binary()
    if binary is None:
        pytest.skip("no sshd binary: install openssh-server to run the SSH tests")
    server = module.SshdServer.start(binary)
    try:
        yield server
    finally:
        server.stop()


def ssh_settings(server: Any, key: str) -> dict[str, str]:
    values = {
        "OELEO_EXTERNAL_HOST": f"{server.host}:{server.port}",
        "OELEO_USERNAME": server.user,
        "OELEO_KNOWN_HOSTS": str(server.known_hosts),
        "OELEO_KEY_FILENAME": str(getattr(server, f"{key}_path")),
    }
    if key == "encrypted_key":
        values["OELEO_KEY_PASSPHRASE"] = server.key_passphrase
    return values


@pytest.mark.sshd
@pytest.mark.parametrize("key", ["encrypted_key", "rsa_key", "ecdsa_key"])
def test_sync_into_sshd(app_dir: Path, sshd: Any, home: Path, tmp_path: Path, key: str) -> None:
    """paramiko, cryptography, bcrypt (encrypted OpenSSH keys) and PyNaCl in the frozen app."""
    src = tmp_path / "instrument"
    src.mkdir()
    files = write_source(src)
    remote = sshd.remote_dir()
    env_file = write_env(
        tmp_path / "ssh.env", {**source_settings(src, str(remote)), **ssh_settings(sshd, key)}
    )

    done = run(cli_exe(app_dir), "--env", str(env_file), "sync", cwd=tmp_path, env=clean_env(home))

    assert done.returncode == 0, output(done) + logs_under(home)
    for rel, data in files.items():
        assert (remote / rel).read_bytes() == data
    assert db_rows(tmp_path / "oeleo-file-list.db") == dict.fromkeys(files, 1)


@pytest.mark.sshd
def test_doctor_reaches_sshd(app_dir: Path, sshd: Any, home: Path, tmp_path: Path) -> None:
    src = tmp_path / "instrument"
    src.mkdir()
    write_source(src)
    values = {**source_settings(src, str(sshd.remote_dir())), **ssh_settings(sshd, "key")}
    env_file = write_env(tmp_path / "ssh.env", values)

    done = run(
        cli_exe(app_dir), "--env", str(env_file), "doctor", cwd=tmp_path, env=clean_env(home)
    )

    assert done.returncode == 0, output(done) + logs_under(home)
    assert "All checks passed." in done.stdout, output(done)


def test_doctor_loads_the_sharepoint_client(app_dir: Path, home: Path, tmp_path: Path) -> None:
    """Office365's client is imported only for a SharePoint destination: run one. Nothing
    listens on the port, so the check fails, but as a network problem, not an import error."""
    src = tmp_path / "instrument"
    src.mkdir()
    values = {
        **source_settings(src, "instrument-data"),
        "OELEO_SHAREPOINT_URL": "https://127.0.0.1:9",
        "OELEO_SHAREPOINT_SITENAME": "lab",
        "OELEO_SHAREPOINT_DOC_LIBRARY": "Shared Documents",
        "OELEO_SHAREPOINT_CLIENT_ID": "00000000-0000-0000-0000-000000000000",
        "OELEO_SHAREPOINT_CLIENT_SECRET": "not-a-real-secret",
    }
    env_file = write_env(tmp_path / "sharepoint.env", values)

    done = run(
        cli_exe(app_dir), "--env", str(env_file), "doctor", cwd=tmp_path, env=clean_env(home)
    )

    text = output(done) + logs_under(home)
    assert done.returncode == 1, text  # one problem: the server is unreachable
    assert "SharePoint" in done.stdout, text
    assert "Unexpected error" not in text
    assert_no_import_failure(text)


@pytest.mark.parametrize("args", [[], ["--headless"]], ids=["double-click", "headless"])
def test_tray_entry_runs_frozen(app_dir: Path, home: Path, tmp_path: Path, args: list[str]) -> None:
    """No arguments = the double-click: it loads PySide6 and the gui package; without a tray
    (offscreen Qt) it runs the schedule log-only, once with OA_SINGLE_RUN."""
    src, dst = tmp_path / "instrument", tmp_path / "server share"
    src.mkdir()
    dst.mkdir()
    files = write_source(src)
    write_env(tmp_path / ".env", source_settings(src, str(dst)))  # found in the current folder

    done = run(app_dir / GUI_NAME, *args, cwd=tmp_path, env=clean_env(home, OA_SINGLE_RUN="true"))

    text = output(done) + logs_under(home)
    assert done.returncode == 0, text
    assert "not available" not in text  # cli.cmd_tray's message when oeleo_gui.gui is missing
    assert_no_import_failure(text)
    for rel, data in files.items():
        assert (dst / rel).read_bytes() == data
    assert db_rows(tmp_path / "oeleo-file-list.db").keys() == set(files)


def test_bundle_holds_what_is_loaded_by_name(app_dir: Path) -> None:
    """What no run above can prove on this machine: the other platforms' keyring backends, the
    icons, the Qt plugins, and that the unused Qt modules stayed out."""
    from PyInstaller.archive.readers import CArchiveReader

    modules = set(CArchiveReader(str(app_dir / GUI_NAME)).open_embedded_archive("PYZ.pyz").toc)
    for name in (
        "keyring.backends.Windows",
        "keyring.backends.macOS",
        "keyring.backends.SecretService",
        "keyring.backends.chainer",
        "oeleo_gui.engine.connectors.ssh.connector",
        "oeleo_gui.engine.connectors.sharepoint.connector",
        "oeleo_gui.gui.app",
        "oeleo_gui.gui.tray",
        "oeleo_gui.gui.resources",
    ):
        assert name in modules, f"{name} is not in the frozen app"
    assert not {m for m in modules if m.split(".")[0] in ("tkinter", "numpy", "pytest")}
    left_out = ("oeleo_gui.server", "starlette", "uvicorn", "playwright")  # the server extra
    assert not {m for m in modules if m.startswith(left_out)}

    internal = app_dir / "_internal"
    keyring_meta = list(internal.glob("keyring-*.dist-info/entry_points.txt"))
    assert keyring_meta, "keyring finds its backends through its entry points"
    icons = {p.name for p in (internal / "resources" / "icons").iterdir()}
    assert {"oeleo-gui.png", "oeleo-gui.svg", "tray-idle.svg", "tray-error.svg"} <= icons
    assert list(internal.glob("certifi/cacert.pem")), "requests needs certifi's CA bundle"

    plugins = {p.relative_to(internal).as_posix() for p in internal.rglob("plugins/*/*")}
    platform = ["qwindows"] if IS_WINDOWS else ["qxcb", "qwayland", "qoffscreen"]
    for wanted in [*platform, "imageformats/", "qsvg", "iconengines/"]:
        assert any(wanted in p for p in plugins), f"no Qt plugin {wanted} in {sorted(plugins)}"
    names = [p.name for p in internal.rglob("*")]
    for unused in ("Qt6Qml", "Qt6Quick", "Qt6WebEngine", "Qt6Pdf", "Qt6Multimedia", "tcl"):
        assert not [n for n in names if unused in n], f"{unused} should not be bundled"

    dangling = [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling, f"symlinks to files left out: {dangling}"
    files = [p for p in app_dir.rglob("*") if p.is_file() and not p.is_symlink()]
    size_mb = sum(p.stat().st_size for p in files) / 2**20
    print(f"dist/oeleo-gui: {size_mb:.0f} MB")
    assert size_mb < SIZE_BUDGET_MB


@pytest.mark.xvfb
def test_double_click_shows_the_tray_on_x11(app_dir: Path, home: Path, tmp_path: Path) -> None:
    """The real tray from the frozen app: Qt's xcb plugin, the icons, a tray host (trayer)."""
    tools = ("Xvfb", "trayer", "xdpyinfo", "xdotool")
    missing = [b for b in tools if shutil.which(b) is None]
    if IS_WINDOWS or missing:
        pytest.skip(f"needs Linux with {', '.join(missing)} (apt install xvfb trayer xdotool)")
    src, dst = tmp_path / "instrument", tmp_path / "server share"
    src.mkdir()
    dst.mkdir()
    files = write_source(src)
    write_env(tmp_path / ".env", source_settings(src, str(dst)))
    xvfb, display = start_xvfb("1024x768x24")  # picks a free display itself: no race
    env = clean_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    tray_host = TrayHost(env)
    app: subprocess.Popen[bytes] | None = None

    def wait_for(condition: Any, what: str) -> None:
        end = time.monotonic() + 30
        while not condition():
            assert time.monotonic() < end, f"timed out waiting for {what}"
            time.sleep(0.1)  # allow-sleep: polling other processes, with a deadline

    try:
        wait_for(tray_host.is_up, "trayer")
        app = subprocess.Popen(
            [str(app_dir / GUI_NAME)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        pid = str(app.pid)
        wait_for(
            lambda: app.poll() is not None or answers("xdotool", "search", "--pid", pid, env=env),
            "the tray icon",
        )
        assert app.poll() is None, "the tray app exited"
        wait_for(lambda: all((dst / rel).is_file() for rel in files), "the first run")
    finally:
        stop(app)
        tray_host.stop()
        stop(xvfb)
    assert app is not None and app.stderr is not None
    text = app.stderr.read().decode(errors="replace") + logs_under(home)
    assert_no_import_failure(text)
    assert "no system tray available" not in text
    for rel, data in files.items():
        assert (dst / rel).read_bytes() == data
