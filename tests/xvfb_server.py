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
