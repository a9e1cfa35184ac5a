"""Accepting a live copy of a file that is still being written: only a state the file really had.

A copy read while the instrument writes may be torn. It is accepted only when
- the source's size and modification time did not change while it was read (and the size read
  is the size the file has): the copy is the file as it was; or
- the source only grew while it was read and the bytes copied still equal the source's
  beginning, re-read and hashed after the copy: for the append-only writers most instruments
  are (CSV loggers, BioLogic, Maccor), the copy is an exact earlier state of the file. When the
  size did not change and the re-read shows the same bytes on a file that stood still while it
  was re-read, the copy is the file as it is now.
Anything else is discarded (never recorded, never renamed into place) and tried again.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from oeleo_gui.engine.events import CancelToken
from oeleo_gui.engine.fileio.hashing import md5_prefix

LIVE_ATTEMPTS = 3  # copies tried within one run before the file waits for the next run
LIVE_RETRY_PAUSE = 0.5  # seconds between them: lets a burst of writes pass


class LiveVerdict(NamedTuple):
    accepted: bool
    mtime_ns: int | None
    """The modification time of the state copied, when known (None: an earlier, shorter state
    of a growing file, whose time nobody recorded)."""
    how: str


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def judge_live_copy(
    source: str,
    before: os.stat_result,
    after: os.stat_result,
    *,
    copied_size: int,
    copied_md5: str,
    cancel: CancelToken | None = None,
) -> LiveVerdict:
    """Whether the bytes copied (`copied_size`, `copied_md5`) are a state the file had.

    `before` and `after` are the source's stat right before and right after it was read."""
    if _same(before, after) and copied_size == after.st_size:
        return LiveVerdict(True, after.st_mtime_ns, "unchanged while copied")
    if not before.st_size <= copied_size <= after.st_size:
        return LiveVerdict(False, None, "shrank or was rewritten while copied")
    try:
        reread = md5_prefix(source, copied_size, cancel)
        settled = os.stat(source)
    except OSError:
        return LiveVerdict(False, None, "could not be read again")
    if reread != copied_md5:
        return LiveVerdict(False, None, "rewritten while copied")
    if copied_size == settled.st_size and _same(after, settled):
        return LiveVerdict(True, settled.st_mtime_ns, "the copy equals the file now")
    if before.st_size < copied_size or copied_size < settled.st_size:
        return LiveVerdict(True, None, "an exact earlier state of a growing file")
    return LiveVerdict(False, None, "changed while checked")
