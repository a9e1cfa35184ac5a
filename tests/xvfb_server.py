"""Start a throw-away Xvfb for screenshot tests: it picks a free display itself and reports it
on a pipe (`-displayfd`), so there is no race over display numbers and no fixed wait."""

from __future__ import annotations

import os
import select
import subprocess
import time

START_DEADLINE = 30.0


def start_xvfb(screen: str) -> tuple[subprocess.Popen[bytes], str]:
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    deadline = time.monotonic() + START_DEADLINE
    received = b""
    try:
        while not received.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or process.poll() is not None:
                raise RuntimeError("Xvfb did not report a display in time")
            ready, _, _ = select.select([read_fd], [], [], remaining)
            if ready:
                chunk = os.read(read_fd, 64)
                if not chunk:
                    raise RuntimeError("Xvfb closed its display pipe")
                received += chunk
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        os.close(read_fd)
    return process, ":" + received.decode().strip()


TRAYER = ("trayer", "--edge", "top", "--align", "right", "--widthtype", "request")


def answers(*command: str, env: dict[str, str]) -> bool:
    """True when an X client command succeeds and prints something (xdpyinfo, xdotool search)."""
    result = subprocess.run(command, env=env, capture_output=True, timeout=10, check=False)
    return result.returncode == 0 and bool(result.stdout.strip())


class TrayHost:
    """trayer as the system tray of a display.

    trayer (GTK 2) sometimes dies while starting on a busy machine; `is_up` starts it again
    each time it finds it gone, or still without a window after RESTART_AFTER seconds, so a
    caller polls `is_up` under its own deadline."""

    RESTART_AFTER = 10.0

    def __init__(self, env: dict[str, str], *extra_args: str) -> None:
        self.env = env
        self.command = [*TRAYER, *extra_args]
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def is_up(self) -> bool:
        if answers("xdotool", "search", "--class", "trayer", env=self.env):
            return True
        stuck = time.monotonic() - self.started > self.RESTART_AFTER
        if self.process is None or self.process.poll() is not None or stuck:
            stop(self.process)
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            self.started = time.monotonic()
        return False

    def stop(self) -> None:
        stop(self.process)


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """Terminate a helper process, killing it if it does not go within 10 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
