"""Sending one file's bytes to SharePoint: small files in one request, large ones through an
upload session."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from oeleo_gui.engine.connectors.base import ProgressCallback
from oeleo_gui.engine.connectors.sharepoint.rest import RestSession, by_path, literal
from oeleo_gui.engine.errors import FileError
from oeleo_gui.engine.events import CancelToken

log = logging.getLogger(__name__)


def send_file(
    rest: RestSession,
    chunk_size: int,
    file_url: str,
    stream: Any,
    md5: Any,
    session: list[str],
    progress: ProgressCallback,
    cancel: CancelToken,
) -> int:
    """Small files in one request, large ones through an upload session; returns bytes sent."""
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
    try:
        if session:
            step = f"CancelUpload(uploadId=guid'{session[0]}')"
            rest.request("POST", f"{by_path('File', file_url)}/{step}", retry=False)
    except Exception as exc:
        log.debug("cancelling the upload session failed: %s", type(exc).__name__)
