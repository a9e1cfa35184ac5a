"""A throw-away OpenSSH server on 127.0.0.1 for tests and benchmarks (no mocks).

`SshdServer.start()` makes host keys and client keys with `ssh-keygen`, writes an `sshd_config`
listening on three free ports (the second one SFTP-only through `ForceCommand internal-sftp`,
the third a shell account whose PATH has no tar), runs `sshd -D -e -f ...` and
waits, with a deadline, until sshd reports every port listening.
Running as root it logs in as a dedicated local user `oeleotest` (created on first use, with a
fixed password, so permissions behave as for a real account); otherwise as the current user,
without password login. Used by `tests/engine/connectors/conftest.py` and
`tests/benchmarks/bench_ssh.py`; imports nothing from the tests.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
TEST_USER = "oeleotest"
TEST_PASSWORD = "oeleo-Test-pw-4711"  # a local test account, reachable only by the test sshd
KEY_PASSPHRASE = "correct horse battery staple"
HOST = "127.0.0.1"
START_DEADLINE = 20.0


def sshd_binary() -> str | None:
    """The sshd executable, or None when openssh-server is not installed."""
    if os.path.isfile(SSHD) and os.access(SSHD, os.X_OK):
        return SSHD
    found = shutil.which("sshd")
    return os.path.abspath(found) if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def fingerprint_of(pub_b64: str) -> str:
    digest = hashlib.sha256(base64.b64decode(pub_b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _keygen(path: Path, key_type: str, *extra: str, passphrase: str = "") -> None:
    bits = {"rsa": ["-b", "2048"], "ecdsa": ["-b", "256"]}.get(key_type, [])
    subprocess.run(
        [
            "ssh-keygen",
            "-q",
            "-t",
            key_type,
            *bits,
            *extra,
            "-N",
            passphrase,
            "-C",
            "oeleo-test",
            "-f",
            str(path),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def ensure_test_user() -> tuple[str, str | None]:
    """(user, password): `oeleotest` with a known password when root, else the current user."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name, None
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        done = subprocess.run(
            ["useradd", "-m", "-s", "/bin/sh", TEST_USER], capture_output=True, check=False
        )
        if done.returncode != 0:
            pwd.getpwnam(TEST_USER)  # created meanwhile by a parallel run? else KeyError
    subprocess.run(["chpasswd"], input=f"{TEST_USER}:{TEST_PASSWORD}\n".encode(), check=True)
    return TEST_USER, TEST_PASSWORD


@dataclass(frozen=True, slots=True, kw_only=True)
class SshdServer:
    """A running test sshd and everything needed to log in to it."""

    host: str
    port: int
    sftp_only_port: int
    no_tar_port: int  # a shell account whose PATH has md5sum and xargs but no tar
    user: str
    password: str | None  # None: not root, so password login cannot be tested
    key_path: Path  # ed25519, authorised
    encrypted_key_path: Path  # ed25519 with KEY_PASSPHRASE, authorised
    key_passphrase: str
    rsa_key_path: Path  # RSA in legacy PEM format, authorised
    ecdsa_key_path: Path  # ECDSA, authorised
    wrong_key_path: Path  # ed25519, NOT authorised
    host_key_type: str
    host_key_fingerprint: str  # of the ed25519 host key, as `ssh-keygen -lf` shows it
    host_keys: tuple[tuple[str, str], ...]  # (type, base64) of every host key
    known_hosts: Path  # trusts both ports
    base_dir: Path  # world-traversable folder for remote test folders
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.user).pw_uid

    def known_hosts_lines(self, port: int, host: str | None = None) -> str:
        name = f"[{host or self.host}]:{port}"
        return "".join(f"{name} {t} {b64}\n" for t, b64 in self.host_keys)

    def write_known_hosts(
        self, path: Path, port: int | None = None, host: str | None = None
    ) -> Path:
        """A known-hosts file trusting this server at host:port (a proxy's, for instance)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.known_hosts_lines(port or self.port, host))
        return path

    def remote_dir(self, name: str = "", *, mode: int = 0o755, owned: bool = True) -> Path:
        """A new folder the server's user owns (or root owns, with `owned=False`)."""
        path = self.base_dir / "remote" / (name or uuid.uuid4().hex[:12])
        path.mkdir(parents=True, mode=0o755)
        if owned and os.geteuid() == 0:
            os.chown(path, self.uid, -1)
        path.chmod(mode)
        return path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.base_dir, ignore_errors=True)

    @classmethod
    def start(
        cls, sshd: str = SSHD, *, host: str = HOST, command_prefix: Sequence[str] = ()
    ) -> SshdServer:
        """Start sshd on `host`; `command_prefix` runs it elsewhere (a network namespace)."""
        user, password = ensure_test_user()
        base = Path(tempfile.mkdtemp(prefix="oeleo-sshd-"))
        base.chmod(0o755)  # sshd reads authorized_keys as the logging-in user
        try:
            return cls._start_in(base, (*command_prefix, sshd), host, user, password)
        except BaseException:
            shutil.rmtree(base, ignore_errors=True)
            raise

    @classmethod
    def _start_in(
        cls, base: Path, sshd: Sequence[str], host: str, user: str, password: str | None
    ) -> SshdServer:
        keys = base / "keys"
        keys.mkdir()
        keys.chmod(0o755)
        host_keys = []
        for key_type in ("ed25519", "rsa"):
            path = keys / f"ssh_host_{key_type}_key"
            _keygen(path, key_type)
            kt, b64 = path.with_suffix(".pub").read_text().split()[:2]
            host_keys.append((kt, b64))
        client = {
            "key": ("ed25519", ()),
            "encrypted": ("ed25519", ()),
            "rsa": ("rsa", ("-m", "PEM")),
            "ecdsa": ("ecdsa", ()),
            "wrong": ("ed25519", ()),
        }
        for name, (key_type, extra) in client.items():
            phrase = KEY_PASSPHRASE if name == "encrypted" else ""
            _keygen(keys / f"id_{name}", key_type, *extra, passphrase=phrase)
        authorized = keys / "authorized_keys"
        authorized.write_text(
            "".join((keys / f"id_{n}.pub").read_text() for n in client if n != "wrong")
        )
        authorized.chmod(0o644)
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privilege separation dir
        remote = base / "remote"
        remote.mkdir(mode=0o755)
        remote.chmod(0o755)
        last_error = ""
        for _attempt in range(3):  # a free port can be taken before sshd binds it
            # Free here; a network namespace has them all free.
            port, sftp_port, bare_port = free_port(), free_port(), free_port()
            config = base / "sshd_config"
            config.write_text(
                f"ListenAddress {host}:{port}\n"
                f"ListenAddress {host}:{sftp_port}\n"
                f"ListenAddress {host}:{bare_port}\n"
                f"HostKey {keys / 'ssh_host_ed25519_key'}\n"
                f"HostKey {keys / 'ssh_host_rsa_key'}\n"
                f"PidFile {base / 'sshd.pid'}\n"
                f"AuthorizedKeysFile {authorized}\n"
                "UsePAM no\nStrictModes no\nPermitRootLogin yes\n"
                "PasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
                "PubkeyAuthentication yes\nMaxStartups 100\nMaxSessions 100\n"
                "LogLevel VERBOSE\nSubsystem sftp internal-sftp\n"
                f"Match LocalPort {sftp_port}\n"
                "    ForceCommand internal-sftp\n"
                f"Match LocalPort {bare_port}\n"
                f"    SetEnv PATH={_bare_bin(base)}\n"
            )
            log_path = base / "sshd.log"
            process = subprocess.Popen(
                [*sshd, "-D", "-e", "-f", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            if _wait_listening(process, log_path, host, (port, sftp_port, bare_port)):
                known = keys / "known_hosts"
                server = cls(
                    host=host,
                    port=port,
                    sftp_only_port=sftp_port,
                    no_tar_port=bare_port,
                    user=user,
                    password=password,
                    key_path=keys / "id_key",
                    encrypted_key_path=keys / "id_encrypted",
                    key_passphrase=KEY_PASSPHRASE,
                    rsa_key_path=keys / "id_rsa",
                    ecdsa_key_path=keys / "id_ecdsa",
                    wrong_key_path=keys / "id_wrong",
                    host_key_type=host_keys[0][0],
                    host_key_fingerprint=fingerprint_of(host_keys[0][1]),
                    host_keys=tuple(host_keys),
                    known_hosts=known,
                    base_dir=base,
                    log_path=log_path,
                    process=process,
                )
                known.write_text(
                    "".join(server.known_hosts_lines(p) for p in (port, sftp_port, bare_port))
                )
                return server
            with contextlib.suppress(OSError):
                process.kill()
            process.wait(timeout=10)
            last_error = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"sshd did not start:\n{last_error}")


BARE_TOOLS = ("sh", "cat", "ls", "rm", "mkdir", "mv", "md5sum", "xargs")


def _bare_bin(base: Path) -> Path:
    """A folder with a few basic commands and no tar: the PATH of an account on a server
    without tar (sshd's `SetEnv` for one port)."""
    folder = base / "bare-bin"
    folder.mkdir(mode=0o755, exist_ok=True)
    for tool in BARE_TOOLS:
        found = shutil.which(tool)
        if found and not (folder / tool).exists():
            (folder / tool).symlink_to(found)
    return folder


def _wait_listening(
    process: subprocess.Popen[bytes], log_path: Path, host: str, ports: tuple[int, ...]
) -> bool:
    """Copy sshd's stderr to `log_path` (for good, in a thread); True once every port listens."""
    wanted = {f"Server listening on {host} port {p}." for p in ports}
    ready = threading.Event()
    done = threading.Event()  # set when every port listens, or when sshd exits

    def pump() -> None:
        assert process.stderr is not None
        with log_path.open("ab") as log:
            for raw in process.stderr:
                log.write(raw)
                log.flush()
                wanted.discard(raw.decode(errors="replace").strip())
                if not wanted and not ready.is_set():
                    ready.set()
                    done.set()
        done.set()

    threading.Thread(target=pump, name="sshd-stderr", daemon=True).start()
    done.wait(START_DEADLINE)
    return ready.is_set() and _banner(host, ports[0])


def _banner(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=5) as s:
        return s.recv(64).startswith(b"SSH-")
