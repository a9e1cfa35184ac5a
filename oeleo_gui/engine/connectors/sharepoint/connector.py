"""SharePoint Online destination: a folder in a document library, over the SharePoint REST API.

Built on Office365-REST-Python-Client for sign-in (SharePoint app-only through ACS with a client
secret, Entra ID app-only with a certificate, or user credentials where the tenant allows them),
the form digest, the HTTP session and SharePoint's error classes. The REST calls themselves are
made here and in `sending`, so uploads stream (in one request, or through an upload session for
files larger than `chunk_size`); each lands under a temporary name and `MoveToUsingPath` puts it
in place. Only ResourcePath (`DecodedUrl`) APIs are used: the `...Url` ones cannot reach `#` or
`%` names.

Requests go through `rest` (throttling waited out, an access token SharePoint stops
accepting renewed once; signing in is `auth`'s); the library's exceptions become
`oeleo_gui.engine.errors` classes in `errors`, and nowhere else. Secrets are never
logged or put into messages.
Imports only `base`, `errors`, `events` and `config` types from the engine.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from office365.runtime.client_request_exception import ClientRequestException

from oeleo_gui.engine.connectors.base import (
    CHUNK_SIZE,
    Capabilities,
    ProgressCallback,
    RemoteEntry,
    Upload,
    too_large,
)
from oeleo_gui.engine.connectors.sharepoint.errors import ErrorTranslator, status_of
from oeleo_gui.engine.connectors.sharepoint.rest import RestSession, by_path, literal, read_limited
from oeleo_gui.engine.connectors.sharepoint.sending import cancel_upload, send_file
from oeleo_gui.engine.errors import (
    DestinationPermissionDenied,
    PathBlocked,
    SourceBusy,
)
from oeleo_gui.engine.events import CancelToken

if TYPE_CHECKING:
    from oeleo_gui.engine.settings.config import SharePointSettings

log = logging.getLogger(__name__)

ADD_LIST_ITEMS = 0x2  # SP.PermissionKind.AddListItems, in EffectiveBasePermissions.Low
OVERWRITE = 1  # SP.MoveOperations.Overwrite, for MoveToUsingPath(moveOperations=...)
LIST_FOLDER_FROM = 10  # files asked about in one folder from which listing it is cheaper
ALREADY_EXISTS_STATUSES = (400, 409, 500)  # statuses an "... already exists" refusal may have


def _timestamp(value: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None


class SharePointConnector:
    """A folder inside a SharePoint document library (see the module docstring)."""

    capabilities = Capabilities(server_checksums=False, keeps_mtime=False)

    def __init__(
        self,
        settings: SharePointSettings,
        folder: str = "",
        *,
        chunk_size: int = 10 * 1024 * 1024,
        timeout: float = 60.0,
    ) -> None:
        self._site_url = settings.site_url
        self._chunk_size = max(int(chunk_size), 1)
        site_path = urlsplit(self._site_url).path.rstrip("/")
        self._library_url = f"{site_path}/{settings.doc_library.strip('/')}"
        inner = "/".join(p for p in folder.replace("\\", "/").split("/") if p)
        self._root = f"{self._library_url}/{inner}" if inner else self._library_url
        self.description = f"sharepoint://{urlsplit(settings.url).netloc}{self._root}"
        self._rest = RestSession(settings, self._site_url, timeout)
        self._connected = False
        self._known_folders: set[str] = set()
        self._translate = ErrorTranslator(
            self._site_url, self._library_url, self._root, settings.url, lambda: self._connected
        )

    # --- connection ---
    def connect(self) -> None:
        with self._translate.errors("connect", missing=self._translate.site_missing):
            self._rest.sign_in()
            self._rest.request("GET", "web?$select=ServerRelativeUrl,Title")
        self._connected = True
        log.info("Connected to SharePoint %s", self.description)

    def close(self) -> None:
        self._rest.close()
        self._connected = False
        self._known_folders.clear()

    def reconnect(self) -> None:
        was_connected = self._connected
        self.close()
        self._connected = was_connected  # a failure now is a lost connection, not a wrong URL
        self.connect()

    def ensure_ready(self) -> None:
        with self._translate.errors(
            "open the document library", missing=self._translate.library_missing
        ):
            info = self._rest.request(
                "GET",
                f"web/GetList({literal(self._library_url)})?$select=Title,EffectiveBasePermissions",
            ).json()["d"]
        permissions = info.get("EffectiveBasePermissions") or {}
        low = int(str(permissions.get("Low", "0")) or 0)
        if permissions and not low & ADD_LIST_ITEMS:
            raise DestinationPermissionDenied(
                f"The SharePoint library {self._library_url} can be read but not written.",
                "Give the app or user at least Contribute (write) permission on this library.",
            )
        with self._translate.errors(f"create the folder {self._root}"):
            self._ensure_folder(self._root)

    def external_name(self, rel_path: str) -> str:
        return f"{self._root}/{rel_path}"

    # --- reading ---
    def list_files(
        self, *, recursive: bool, cancel: CancelToken | None = None
    ) -> dict[str, RemoteEntry]:
        found: dict[str, RemoteEntry] = {}
        pending = [("", self._root)]
        with self._translate.errors(f"list {self._root}", missing=self._translate.folder_missing):
            while pending:
                rel_dir, url = pending.pop()
                for name, (size, mtime) in self._files_in(url, cancel).items():
                    rel = f"{rel_dir}/{name}" if rel_dir else name
                    found[rel] = RemoteEntry(rel, size, mtime)
                if not recursive:
                    continue
                base = by_path("Folder", url)
                for item in self._rest.paged(f"{base}/Folders?$select=Name&$top=5000", cancel):
                    if url == self._library_url and item["Name"] == "Forms":
                        continue  # the library's hidden views folder
                    rel = f"{rel_dir}/{item['Name']}" if rel_dir else str(item["Name"])
                    pending.append((rel, f"{url}/{item['Name']}"))
        log.debug("SharePoint listing of %s: %d files", self._root, len(found))
        return found

    def stat(self, rel_path: str) -> RemoteEntry | None:
        with self._translate.errors(f"look up {rel_path}"):
            return self._stat(rel_path)

    def stat_many(
        self, rel_paths: Sequence[str], cancel: CancelToken | None = None
    ) -> dict[str, RemoteEntry]:
        """A folder asked about for many files is listed (5000 names a request) instead of
        asked once per file; for a few files, one request each costs less."""
        by_folder: dict[str, list[str]] = {}
        for rel in rel_paths:
            by_folder.setdefault(rel.rpartition("/")[0], []).append(rel)
        found: dict[str, RemoteEntry] = {}
        with self._translate.errors("look up the uploaded files"):
            for folder, rels in by_folder.items():
                if len(rels) < LIST_FOLDER_FROM:
                    found.update((r, e) for r in rels if (e := self._stat(r, cancel)) is not None)
                    continue
                url = f"{self._root}/{folder}" if folder else self._root
                try:
                    listing = self._files_in(url, cancel)
                except ClientRequestException as exc:
                    if status_of(exc) != 404:
                        raise
                    continue  # no folder, so none of its files
                for rel in rels:
                    if (known := listing.get(rel.rpartition("/")[2])) is not None:
                        found[rel] = RemoteEntry(rel, *known)
        return found

    def checksums(
        self, rel_paths: Sequence[str], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """Downloads each file as a stream and hashes it: SharePoint keeps no MD5 to ask for."""
        digests: dict[str, str] = {}
        for rel in rel_paths:
            with self._translate.errors(f"download {rel} for its checksum"):
                md5 = hashlib.md5(usedforsecurity=False)
                try:
                    response = self._rest.request(
                        "GET", f"{self._file_api(rel)}/$value", stream=True, cancel=cancel
                    )
                except ClientRequestException as exc:
                    if status_of(exc) == 404:
                        continue
                    raise
                with response:
                    for block in response.iter_content(CHUNK_SIZE):
                        if cancel is not None:
                            cancel.raise_if_cancelled()
                        md5.update(block)
                digests[rel] = md5.hexdigest()
        return digests

    def read_small_file(self, rel_path: str, max_bytes: int) -> bytes | None:
        with self._translate.errors(f"download {rel_path}"):
            try:
                response = self._rest.request(
                    "GET", f"{self._file_api(rel_path)}/$value", stream=True
                )
            except ClientRequestException as exc:
                if status_of(exc) == 404:
                    return None
                raise
            data = read_limited(response, max_bytes)
        if data is None:
            raise too_large(rel_path, self.description, max_bytes)
        return data

    # --- writing ---
    def upload_temp(
        self,
        source: str,
        rel_path: str,
        *,
        temp_rel_path: str,
        mtime: float,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> Upload:
        md5 = hashlib.md5(usedforsecurity=False)
        session: list[str] = []
        try:
            with self._translate.errors(f"upload {rel_path}"):
                parent = PurePosixPath(temp_rel_path).parent.as_posix()
                self._ensure_folder(self._root if parent == "." else f"{self._root}/{parent}")
                try:
                    stream = open(source, "rb")  # noqa: SIM115 (closed by the with below)
                except PermissionError as exc:
                    raise SourceBusy(
                        f"{os.path.basename(source)} is locked by another program.",
                        "It is retried on the next run.",
                    ) from exc
                with stream:
                    sent = send_file(
                        self._rest,
                        self.external_name(temp_rel_path),
                        stream,
                        chunk_size=self._chunk_size,
                        md5=md5,
                        session=session,
                        progress=progress,
                        cancel=cancel,
                    )
        except BaseException:
            self._discard(temp_rel_path, session)
            raise
        log.debug("Uploaded %s to %s (%d bytes)", rel_path, self.external_name(temp_rel_path), sent)
        return Upload(
            rel_path=rel_path,
            temp_rel_path=temp_rel_path,
            size=sent,
            md5=md5.hexdigest(),
            mtime=mtime,
        )

    def verify(
        self, uploads: Sequence[Upload], cancel: CancelToken | None = None
    ) -> dict[str, str]:
        """Compares the size SharePoint reports for each temporary file with the bytes sent."""
        problems: dict[str, str] = {}
        arrived = self.stat_many([u.temp_rel_path for u in uploads], cancel)
        with self._translate.errors("check the uploaded files"):
            for upload in uploads:
                entry = arrived.get(upload.temp_rel_path)
                if entry is None:
                    problems[upload.temp_rel_path] = "the uploaded file is missing on SharePoint"
                elif entry.size != upload.size:
                    problems[upload.temp_rel_path] = (
                        f"SharePoint holds {entry.size} bytes but {upload.size} were sent"
                    )
        return problems

    def commit(self, upload: Upload) -> None:
        with self._translate.errors(f"move {upload.rel_path} into place"):
            self._move(upload.temp_rel_path, upload.rel_path, OVERWRITE)

    def rename(self, rel_from: str, rel_to: str) -> None:
        with self._translate.errors(f"rename {rel_from} to {rel_to}"):
            parent = PurePosixPath(rel_to).parent.as_posix()
            self._ensure_folder(self._root if parent == "." else f"{self._root}/{parent}")
            self._move(rel_from, rel_to, 0)

    def remove(self, rel_path: str) -> None:
        with self._translate.errors(f"delete {rel_path}"):
            self._delete(rel_path)

    # --- REST helpers ---
    def _file_api(self, rel_path: str) -> str:
        return by_path("File", self.external_name(rel_path))

    def _stat(self, rel_path: str, cancel: CancelToken | None = None) -> RemoteEntry | None:
        try:
            props = self._rest.request(
                "GET", f"{self._file_api(rel_path)}?$select=Length,TimeLastModified", cancel=cancel
            ).json()["d"]
        except ClientRequestException as exc:
            if status_of(exc) == 404:
                return None
            raise
        return RemoteEntry(
            rel_path, int(props["Length"]), _timestamp(props.get("TimeLastModified"))
        )

    def _delete(self, rel_path: str, *, retry: bool = True) -> None:
        try:
            self._rest.request(
                "POST",
                self._file_api(rel_path),
                headers={"X-HTTP-Method": "DELETE", "IF-MATCH": "*"},
                retry=retry,
            )
        except ClientRequestException as exc:
            if status_of(exc) != 404:
                raise

    def _move(self, rel_from: str, rel_to: str, flags: int) -> None:
        target = f"DecodedUrl={literal(self.external_name(rel_to))},moveOperations={flags}"
        self._rest.request("POST", f"{self._file_api(rel_from)}/MoveToUsingPath({target})")

    def _ensure_folder(self, url: str) -> None:
        """Creates `url` and its missing parents (AddUsingPath, Overwrite=true: idempotent)."""
        if url in self._known_folders or url == self._library_url:
            return
        current = self._library_url
        for part in url[len(self._library_url) :].strip("/").split("/"):
            current = f"{current}/{part}"
            if current not in self._known_folders:
                add = f"web/folders/AddUsingPath(DecodedUrl={literal(current)},Overwrite=true)"
                try:
                    self._rest.request("POST", add)
                except ClientRequestException as exc:
                    self._raise_if_a_file_is_in_the_way(current, exc)
                    raise
                self._known_folders.add(current)

    def _raise_if_a_file_is_in_the_way(self, url: str, exc: ClientRequestException) -> None:
        """`PathBlocked` when SharePoint refused the folder `url` because a file has its name
        (the source turned a file into a folder; the run moves the file aside: issue 13, case
        13). SharePoint's answer ("A file or folder with the name ... already exists",
        SPException -2130575257) comes with no documented status, so the file is looked up
        rather than the answer parsed. A file above the destination folder is a settings
        problem: it is reported as the refusal, never moved."""
        if status_of(exc) not in ALREADY_EXISTS_STATUSES or not url.startswith(self._root + "/"):
            return
        rel = url[len(self._root) + 1 :]
        try:
            in_the_way = self._stat(rel) is not None
        except ClientRequestException:
            return  # the refusal itself says more than this lookup's failure
        if in_the_way:
            raise PathBlocked(rel) from exc

    def _files_in(
        self, folder_url: str, cancel: CancelToken | None
    ) -> dict[str, tuple[int, float | None]]:
        """{name: (size, mtime)} of the files directly in a folder, in pages of 5000."""
        api = (
            f"{by_path('Folder', folder_url)}/Files?$select=Name,Length,TimeLastModified&$top=5000"
        )
        return {
            str(item["Name"]): (int(item["Length"]), _timestamp(item.get("TimeLastModified")))
            for item in self._rest.paged(api, cancel)
        }

    def _discard(self, temp_rel_path: str, session: list[str]) -> None:
        """Best effort: end the upload session and delete the temporary file."""
        cancel_upload(self._rest, self.external_name(temp_rel_path), session)
        try:
            self._delete(temp_rel_path, retry=False)
        except Exception as exc:
            log.debug("removing %s failed: %s", temp_rel_path, type(exc).__name__)
