"""Sending one file's bytes to its temporary name on SharePoint, streamed: files up to
`chunk_size` go in one `Files/AddUsingPath` request, larger ones through an upload session
(`StartUpload`/`ContinueUpload`/`FinishUpload`) holding at most two chunks in memory. The MD5
is computed from the bytes as they are sent. Errors are the caller's to translate.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, BinaryIO

from oeleo_gui.engine.connectors.base import ProgressCallback
from oeleo_gui.engine.connectors.sharepoint.rest import RestSession, by_path, literal
from oeleo_gui.engine.errors import FileError
from oeleo_gui.engine.events import CancelToken

log = logging.getLogger(__name__)


def send_file(
    rest: RestSession,
    file_url: str,
    stream: BinaryIO,
    *,
    chunk_size: int,
    md5: Any,
    session: list[str],
    progress: ProgressCallback,
    cancel: CancelToken,
) -> int:
    """Sends `stream` to the server-relative `file_url`, updating `md5` with every byte sent;
    returns how many were sent. The id of an upload session it opens is appended to `session`,
    for `cancel_upload` when this fails."""
    folder_url, name = file_url.rsplit("/", 1)
    add_file = f"AddUsingPath(DecodedUrl={literal(name)},Overwrite=true)"
    add = f"{by_path('Folder', folder_url)}/Files/{add_file}"
    binary = {"Content-Type": "application/octet-stream"}
    chunk = stream.read(chunk_size)
    md5.update(chunk)
    following = stream.read(chunk_size) if len(chunk) == chunk_size else b""
    cancel.raise_if_cancelled()
    if not following:
        rest.request("POST", add, data=chunk, headers=binary, cancel=cancel)
        progress(len(chunk))
        return len(chunk)
    rest.request("POST", add, data=b"", headers=binary, cancel=cancel)
    upload_id = str(uuid.uuid4())
    session.append(upload_id)
    file_api = by_path("File", file_url)
    step = f"StartUpload(uploadId=guid'{upload_id}')"
    offset = 0
    while True:
        answer = rest.request(
            "POST", f"{file_api}/{step}", data=chunk, headers=binary, cancel=cancel
        )
        offset += len(chunk)
        progress(offset)
        if step.startswith("FinishUpload"):
            return offset
        reported = answer.json()["d"]
        reported = next(iter(reported.values())) if isinstance(reported, dict) else reported
        if int(reported) != offset:
            raise FileError(
                f"SharePoint stored {reported} bytes of {name} where {offset} were sent.",
                "The file is uploaded again on the next run.",
            )
        cancel.raise_if_cancelled()
        # At most two chunks in memory: the one to send and the one after it (to know
        # whether the one to send is the last).
        chunk, following = following, stream.read(chunk_size)
        md5.update(chunk)
        verb = "ContinueUpload" if following else "FinishUpload"
        step = f"{verb}(uploadId=guid'{upload_id}',fileOffset={offset})"


def cancel_upload(rest: RestSession, file_url: str, session: list[str]) -> None:
    """Best effort: end the upload session `send_file` opened for `file_url`, if it did."""
    try:
        if session:
            step = f"CancelUpload(uploadId=guid'{session[0]}')"
            rest.request("POST", f"{by_path('File', file_url)}/{step}", retry=False)
    except Exception as exc:
        log.debug("cancelling the upload session failed: %s", type(exc).__name__)
