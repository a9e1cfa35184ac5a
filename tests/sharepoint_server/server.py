"""The SharePoint REST emulator: state, fault injection and the HTTP handler.

Paths are server-relative (`/sites/lab/Shared Documents/a/b.txt`), compared exactly. Responses
use verbose OData (`{"d": ...}`), which is what Office365-REST-Python-Client asks for
(`Accept: application/json;odata=verbose`). Errors have SharePoint's JSON shape with the HRESULT
codes SharePoint Online sends, so the library classifies them as it would in production.

Names are decoded as SharePoint Online decodes them. The request path is percent-decoded once,
as HTTP transport (a `%` not followed by two hex digits is a 400, as IIS answers); a raw `#`
never arrives, since the client keeps it as the URL fragment. Then:

- the ResourcePath APIs (`GetFileByServerRelativePath(DecodedUrl='...')`,
  `GetFolderByServerRelativePath(...)`, `Files/AddUsingPath(...)`, `folders/AddUsingPath(...)`,
  `MoveToUsingPath(...)`) take the literal, quotes undoubled, as the exact name;
- the older string APIs (`GetFileByServerRelativeUrl`, `GetFolderByServerRelativeUrl`,
  `Files/add(url=...)`, `MoveTo(newurl=...)`, `POST web/folders`) guess, as SharePoint does: a
  `#` starts a fragment that is dropped, and a `%` means "still encoded", so the value is decoded
  again (a bad escape is a 400). Names with `#` or `%` are therefore out of their reach.

A file and a folder cannot share a name in one folder (both are items of the library, named by
their URL): making a folder where a file is, or adding or moving a file where a folder is, is
refused with SharePoint's "A file or folder with the name ... already exists" (SPException
-2130575257), whatever Overwrite says.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import struct
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

SHAREPOINT_PRINCIPAL = "00000003-0000-0ff1-ce00-000000000000"
FULL_PERMISSIONS = {"High": "432", "Low": "1011030767"}  # includes Add/Edit/DeleteListItems
READ_PERMISSIONS = {"High": "176", "Low": "138612833"}  # ViewListItems, Open, no Add/Edit

NOT_FOUND = "-2147024894, System.IO.FileNotFoundException"
FILE_MISSING = "-2130575338, Microsoft.SharePoint.SPException"
ACCESS_DENIED = "-2147024891, System.UnauthorizedAccessException"
ALREADY_EXISTS = "-2130575257, Microsoft.SharePoint.SPException"
QUOTA_EXCEEDED = "-2147024784, Microsoft.SharePoint.SPQuotaExceededException"
BAD_ARGUMENT = "-1, Microsoft.SharePoint.Client.InvalidClientQueryException"

Handler = Callable[[str, str], None]

# Heads of `web/<head>(...)` that take a ResourcePath, and the string-based ones before them.
PATH_HEADS = {"getfilebyserverrelativepath", "getfolderbyserverrelativepath"}
LEGACY_HEADS = {"getfilebyserverrelativeurl", "getfolderbyserverrelativeurl"}


@dataclass
class SpFile:
    data: bytes
    modified: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Logged:
    """One request the server received: verb, decoded `_api` path (or raw path), body size."""

    method: str
    api: str
    body_size: int


class SpError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class Dropped(Exception):
    """Close the socket without answering."""


class SharePointServer:
    """In-memory SharePoint Online tenant with one site and its document libraries."""

    def __init__(
        self,
        *,
        site: str = "lab",
        libraries: tuple[str, ...] = ("Shared Documents",),
        client_id: str = "11111111-2222-3333-4444-555555555555",
        client_secret: str = "s3cret-value",  # noqa: S107 - the fake tenant's secret
        realm: str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        page_size: int = 100,
    ) -> None:
        self.site_path = f"/sites/{site}"
        self.client_id = client_id
        self.client_secret = client_secret
        self.realm = realm
        self.page_size = page_size
        self.lock = threading.RLock()
        self.libraries = [f"{self.site_path}/{lib}" for lib in libraries]
        self.folders: set[str] = set()
        self.files: dict[str, SpFile] = {}
        for lib in self.libraries:
            # Every real library has a hidden Forms folder with its views.
            self.folders.update({lib, f"{lib}/Forms"})
            self.files[f"{lib}/Forms/AllItems.aspx"] = SpFile(b"<html/>")
        self.uploads: dict[str, tuple[str, bytearray]] = {}
        self.tokens: set[str] = set()
        self.log: list[Logged] = []
        self.hooks: list[Handler] = []
        self.read_only = False
        self.reject_credentials = False
        self.quota_bytes: int | None = None
        self._throttle_left = 0
        self._retry_after = "1"
        self._drops: list[tuple[Callable[[str, str], bool], list[int]]] = []
        self._failures: list[SpError] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ---
    def start(self) -> SharePointServer:
        handler = type("BoundHandler", (_Handler,), {"sp": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        """The tenant URL, as in OELEO_SHAREPOINT_URL."""
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # --- faults ---
    def throttle(self, count: int, retry_after: str = "1") -> None:
        """Answer the next `count` API requests with 429 and this Retry-After."""
        with self.lock:
            self._throttle_left = count
            self._retry_after = retry_after

    def drop_connection(self, when: Callable[[str, str], bool], count: int = 1) -> None:
        """Close the socket mid-body, without an answer, on the next `count` matching requests."""
        with self.lock:
            self._drops.append((when, [count]))

    def fail_next(self, status: int, code: str = "", message: str = "", count: int = 1) -> None:
        """Answer the next `count` API requests (after sign-in) with this SharePoint error."""
        with self.lock:
            self._failures.extend([SpError(status, code, message or f"HTTP {status}")] * count)

    def expire_tokens(self) -> None:
        """Every issued access token becomes invalid (401) until the client fetches a new one."""
        with self.lock:
            self.tokens.clear()

    # --- helpers for tests ---
    def put(self, path: str, data: bytes) -> None:
        with self.lock:
            self._require_parent(path)
            self._require_no_folder(path)
            self.files[path] = SpFile(data)

    def calls(self, name: str) -> list[Logged]:
        """Logged requests whose API path contains `name` (case-insensitive)."""
        with self.lock:
            return [e for e in self.log if name.lower() in e.api.lower()]

    # --- state operations (lock held by the handler) ---
    def _require_parent(self, path: str) -> None:
        parent = path.rsplit("/", 1)[0]
        if parent not in self.folders:
            raise SpError(404, NOT_FOUND, "File Not Found.")

    def _require_no_folder(self, path: str) -> None:
        """A file cannot take the name of a folder (see the module docstring)."""
        if path in self.folders:
            raise SpError(400, ALREADY_EXISTS, _name_taken(path))

    def _check_write(self, extra_bytes: int = 0) -> None:
        if self.read_only:
            raise SpError(
                403,
                ACCESS_DENIED,
                "Access denied. You do not have permission to perform this action or access this "
                "resource.",
            )
        if self.quota_bytes is not None:
            used = sum(len(f.data) for f in self.files.values()) + extra_bytes
            if used > self.quota_bytes:
                raise SpError(507, QUOTA_EXCEEDED, "The site collection has run out of storage.")

    def _file(self, path: str) -> SpFile:
        found = self.files.get(path)
        if found is None:
            raise SpError(404, FILE_MISSING, f"The file {path} does not exist.")
        return found

    def _maybe_drop(self, method: str, api: str) -> bool:
        for when, left in self._drops:
            if left[0] > 0 and when(method, api):
                left[0] -= 1
                return True
        return False

    def _take_throttle(self) -> str | None:
        if self._throttle_left > 0:
            self._throttle_left -= 1
            return self._retry_after
        return None

    def _issue_token(self, form: dict[str, str]) -> dict[str, Any]:
        host = "127.0.0.1"
        expected_resource = f"{SHAREPOINT_PRINCIPAL}/{host}@{self.realm}"
        if (
            self.reject_credentials
            or form.get("grant_type") != "client_credentials"
            or form.get("client_id") != f"{self.client_id}@{self.realm}"
            or form.get("client_secret") != self.client_secret
            or form.get("resource") != expected_resource
        ):
            raise SpError(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in "
                "the request is the client secret value, not the client secret ID.",
            )
        token = f"tok-{secrets.token_hex(8)}"
        self.tokens.add(token)
        return {
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": "3599",
            "not_before": "0",
            "expires_on": "0",
            "resource": expected_resource,
        }


# --- OData path parsing ---
def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts, buf, in_quote, depth, i = [], [], False, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            if in_quote and i + 1 < len(text) and text[i + 1] == "'":
                buf.append("''")
                i += 2
                continue
            in_quote = not in_quote
        elif not in_quote and ch == "(":
            depth += 1
        elif not in_quote and ch == ")":
            depth -= 1
        if ch == sep and not in_quote and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _literal(value: str) -> str:
    value = value.strip()
    if value.startswith("guid'") and value.endswith("'"):
        return value[5:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def _percent_decode(value: str) -> str:
    """One percent-decoding; a `%` without two hex digits after it, or bytes that are not
    UTF-8, are a 400, as IIS answers."""
    try:
        if re.search(r"%(?![0-9A-Fa-f]{2})", value):
            raise ValueError(value)
        return unquote(value, errors="strict")
    except ValueError as exc:  # UnicodeDecodeError included
        raise SpError(400, BAD_ARGUMENT, "Bad Request - Invalid URL") from exc


def _legacy_url(value: str) -> str:
    """What the string-based `...Url` APIs make of a path (see the module docstring)."""
    value = value.split("#", 1)[0]
    return _percent_decode(value) if "%" in value else value


def parse_segments(api: str) -> list[tuple[str, dict[str, str], list[str]]]:
    """`web/GetFileByServerRelativeUrl('/a')/MoveTo(newurl='/b',flags=1)` -> name, kwargs, args."""
    segments = []
    for raw in _split_outside_quotes(api.strip("/"), "/"):
        match = re.fullmatch(r"([^()]+)(?:\((.*)\))?", raw, re.DOTALL)
        if match is None:
            raise SpError(400, BAD_ARGUMENT, f"Bad segment {raw!r}")
        name, inner = match.group(1), match.group(2)
        kwargs: dict[str, str] = {}
        args: list[str] = []
        if inner:
            for arg in _split_outside_quotes(inner, ","):
                key, eq, value = arg.partition("=")
                if eq and not key.strip().startswith("'"):
                    kwargs[key.strip().lower()] = _literal(value)
                else:
                    args.append(_literal(arg))
        segments.append((name.lower(), kwargs, args))
    return segments


def _name_taken(path: str) -> str:
    return f"A file or folder with the name {path} already exists."


def _resource_path(path: str) -> dict[str, Any]:
    return {"__metadata": {"type": "SP.ResourcePath"}, "DecodedUrl": path}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Handler(BaseHTTPRequestHandler):
    sp: SharePointServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # --- plumbing ---
    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, payload: Any = None, *, raw: bytes | None = None, headers=None
    ) -> None:
        body = (
            raw if raw is not None else (b"" if payload is None else json.dumps(payload).encode())
        )
        self.send_response(status)
        ctype = (
            "application/octet-stream"
            if raw is not None
            else "application/json;odata=verbose;charset=utf-8"
        )
        self.send_header("Content-Type", ctype)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _drop(self) -> None:
        # Read part of the body so the client is mid-upload, then vanish without an answer.
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length // 2)
        self.close_connection = True
        try:
            # Linger 0: close with a reset, as a crashed proxy or a dropped link does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _dispatch(self, method: str) -> None:
        sp = self.sp
        parts = urlsplit(self.path)
        try:
            path = _percent_decode(parts.path)
        except SpError:
            body = self._read_body()
            with sp.lock:
                sp.log.append(Logged(method, parts.path, len(body)))
            self._send(400, raw=b"Bad Request - Invalid URL")
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        api_at = path.lower().find("/_api/")
        api = path[api_at + len("/_api/") :] if api_at >= 0 else path
        for hook in list(sp.hooks):
            hook(method, api)
        with sp.lock:
            if sp._maybe_drop(method, api):
                sp.log.append(Logged(method, api, -1))
                drop = True
            else:
                drop = False
        if drop:
            self._drop()
            return
        body = self._read_body()
        with sp.lock:
            sp.log.append(Logged(method, api, len(body)))
        try:
            if path.endswith("/tokens/OAuth/2") and method == "POST":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                with sp.lock:
                    self._send(200, sp._issue_token(form))
                return
            if not self._authorised():
                self._send(
                    401,
                    {"error_description": "Invalid JWT token. The token is expired."},
                    headers={"WWW-Authenticate": self._www_authenticate()},
                )
                return
            if api_at < 0:
                self._send(200, {})
                return
            site = path[:api_at]
            if site.lower() != sp.site_path.lower():
                self._send(404, raw=b"404 FILE NOT FOUND")
                return
            with sp.lock:
                if sp._failures:
                    raise sp._failures.pop(0)
                retry_after = sp._take_throttle()
            if retry_after is not None:
                raise SpError(
                    429,
                    "-2147024860, Microsoft.SharePoint.SPQueryThrottledException",
                    "The request has been throttled.",
                    {"Retry-After": retry_after},
                )
            with sp.lock:
                status, payload, raw = self._route(method, api, query, body)
            self._send(status, payload, raw=raw)
        except SpError as exc:
            error = {
                "error": {"code": exc.code, "message": {"lang": "en-US", "value": exc.message}}
            }
            if exc.code == "invalid_client":
                error = {"error": "invalid_client", "error_description": exc.message}
            self._send(exc.status, error, headers=exc.headers)

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        token = header.removeprefix("Bearer").strip()
        return bool(token) and token in self.sp.tokens

    def _www_authenticate(self) -> str:
        return (
            f'Bearer realm="{self.sp.realm}",client_id="{SHAREPOINT_PRINCIPAL}",'
            'trusted_issuers="00000001-0000-0000-c000-000000000000@*",'
            'authorization_uri="https://login.windows.net/common/oauth2/authorize"'
        )

    # --- the REST API ---
    def _route(
        self, method: str, api: str, query: dict[str, str], body: bytes
    ) -> tuple[int, Any, bytes | None]:
        sp = self.sp
        segs = parse_segments(api)
        names = [s[0] for s in segs]
        verb = self.headers.get("X-HTTP-Method", method).upper()
        if names == ["contextinfo"] and method == "POST":
            info = {
                "FormDigestValue": f"0x{secrets.token_hex(16)},{_iso(datetime.now(UTC))}",
                "FormDigestTimeoutSeconds": 1800,
                "LibraryVersion": "16.0.0.0",
                "SiteFullUrl": sp.url + sp.site_path,
                "WebFullUrl": sp.url + sp.site_path,
                "SupportedSchemaVersions": {"results": ["14.0.0.0", "15.0.0.0"]},
            }
            return 200, {"d": {"GetContextWebInformation": info}}, None
        if not names or names[0] != "web":
            raise SpError(400, BAD_ARGUMENT, f"Unknown API {api}")
        if names == ["web"]:
            return 200, {"d": self._web()}, None
        head, kwargs, args = segs[1]
        target = kwargs.get("url") or (args[0] if args else "")
        rest = segs[2:]
        if head in PATH_HEADS:  # ResourcePath: the decoded URL is the name, verbatim
            target = kwargs.get("decodedurl", "")
        elif head in LEGACY_HEADS:
            target = _legacy_url(target)
        if head == "getlist" and not rest:
            if target not in sp.libraries:
                raise SpError(404, NOT_FOUND, "File Not Found.")
            perms = READ_PERMISSIONS if sp.read_only else FULL_PERMISSIONS
            return (
                200,
                {"d": {"Title": target.rsplit("/", 1)[1], "EffectiveBasePermissions": perms}},
                None,
            )
        if head == "folders" and not rest and method == "POST":
            wanted = _legacy_url(json.loads(body or b"{}").get("ServerRelativeUrl", ""))
            return self._add_folder(wanted, overwrite=True)  # the old add is idempotent
        if head == "folders" and [s[0] for s in rest] == ["addusingpath"] and method == "POST":
            add = rest[0][1]
            overwrite = add.get("overwrite", "false").lower() == "true"
            return self._add_folder(add.get("decodedurl", ""), overwrite=overwrite)
        if head in ("getfolderbyserverrelativeurl", "getfolderbyserverrelativepath"):
            return self._folder_api(method, target, rest, query, body, head)
        if head in ("getfilebyserverrelativeurl", "getfilebyserverrelativepath"):
            return self._file_api(method, verb, target, rest, body)
        raise SpError(400, BAD_ARGUMENT, f"Unknown API {api}")

    def _add_folder(self, wanted: str, *, overwrite: bool) -> tuple[int, Any, bytes | None]:
        """`folders/AddUsingPath`: an existing folder is a 400 "already exists" unless
        Overwrite=true, which answers 200 and leaves the folder's contents alone (SharePoint
        Online's reported behaviour; the old `POST web/folders` always acts as Overwrite=true).
        A file of that name is never replaced by a folder: "already exists", Overwrite or not."""
        sp = self.sp
        sp._check_write()
        if wanted in sp.files or (wanted in sp.folders and not overwrite):
            raise SpError(400, ALREADY_EXISTS, _name_taken(wanted))
        if wanted not in sp.folders:
            sp._require_parent(wanted)
            sp.folders.add(wanted)
        return 200, {"d": self._folder(wanted)}, None

    def _folder_api(self, method, folder, rest, query, body, head) -> tuple[int, Any, bytes | None]:
        sp = self.sp
        if folder not in sp.folders:
            raise SpError(404, NOT_FOUND, "File Not Found.")
        names = [s[0] for s in rest]
        if not names:
            return 200, {"d": self._folder(folder)}, None
        if names == ["files"] and method == "GET":
            items = sorted(p for p in sp.files if p.rsplit("/", 1)[0] == folder)
            return 200, self._page(head, folder, "Files", items, query, self._file_props), None
        if names == ["folders"] and method == "GET":
            items = sorted(p for p in sp.folders if p.rsplit("/", 1)[0] == folder and p != folder)
            return 200, self._page(head, folder, "Folders", items, query, self._folder), None
        if names in (["files", "add"], ["files", "addusingpath"]) and method == "POST":
            kwargs = rest[1][1]
            name = _legacy_url(kwargs["url"]) if names[1] == "add" else kwargs["decodedurl"]
            path = f"{folder}/{name}"
            overwrite = kwargs.get("overwrite", "false").lower() == "true"
            if path in sp.files and not overwrite:
                raise SpError(400, ALREADY_EXISTS, f"A file with the name {path} already exists.")
            sp._require_no_folder(path)
            old = len(sp.files[path].data) if path in sp.files else 0
            sp._check_write(len(body) - old)
            sp.files[path] = SpFile(body)
            return 200, {"d": self._file_props(path)}, None
        raise SpError(400, BAD_ARGUMENT, f"Unknown folder API {names}")

    def _file_api(self, method, verb, path, rest, body) -> tuple[int, Any, bytes | None]:
        sp = self.sp
        names = [s[0] for s in rest]
        if not names and verb == "DELETE":
            sp._file(path)
            sp._check_write()
            del sp.files[path]
            return 200, {"d": None}, None
        if not names and method == "GET":
            sp._file(path)
            return 200, {"d": self._file_props(path)}, None
        if names == ["$value"] and method == "GET":
            return 200, None, sp._file(path).data
        if len(names) == 1 and method == "POST":
            name, kwargs, _args = rest[0]
            if name == "moveto":
                target = _legacy_url(kwargs["newurl"])
                return self._move(path, target, int(kwargs.get("flags", "0")), name)
            if name == "movetousingpath":
                flags = int(kwargs.get("moveoperations", "0"))
                return self._move(path, kwargs["decodedurl"], flags, "MoveToUsingPath")
            return self._upload_step(name, path, kwargs, body)
        raise SpError(400, BAD_ARGUMENT, f"Unknown file API {names}")

    def _move(self, src: str, dst: str, flags: int, op: str) -> tuple[int, Any, bytes | None]:
        sp = self.sp
        data = sp._file(src)
        sp._check_write()
        sp._require_parent(dst)
        sp._require_no_folder(dst)
        if dst in sp.files and not flags & 1:
            raise SpError(400, ALREADY_EXISTS, f"A file with the name {dst} already exists.")
        if any(p == src for p, _ in sp.uploads.values()):
            raise SpError(423, "-2147018894, Microsoft.SharePoint.SPFileLockException", "Locked.")
        sp.files[dst] = sp.files.pop(src) if src != dst else data
        return 200, {"d": {"MoveTo" if op == "moveto" else op: None}}, None

    def _upload_step(self, name, path, kwargs, body) -> tuple[int, Any, bytes | None]:
        sp = self.sp
        upload_id = kwargs.get("uploadid", "")
        offset = int(kwargs.get("fileoffset", "0"))
        sp._file(path)
        if name == "startupload":
            sp._check_write(len(body))
            uuid.UUID(upload_id)  # a malformed id is a 400, as on SharePoint
            sp.uploads[upload_id] = (path, bytearray(body))
            return 200, {"d": {"StartUpload": str(len(body))}}, None
        if upload_id not in sp.uploads:
            raise SpError(404, FILE_MISSING, "The upload session does not exist.")
        session_path, buffer = sp.uploads[upload_id]
        if name == "cancelupload":
            del sp.uploads[upload_id]
            return 200, {"d": {"CancelUpload": None}}, None
        if session_path != path or offset != len(buffer):
            raise SpError(400, BAD_ARGUMENT, f"Wrong offset {offset}, expected {len(buffer)}.")
        sp._check_write(len(buffer) + len(body))
        buffer.extend(body)
        if name == "continueupload":
            return 200, {"d": {"ContinueUpload": str(len(buffer))}}, None
        if name == "finishupload":
            del sp.uploads[upload_id]
            sp.files[path] = SpFile(bytes(buffer))
            return 200, {"d": self._file_props(path)}, None
        raise SpError(400, BAD_ARGUMENT, f"Unknown upload step {name}")

    # --- JSON shapes ---
    def _web(self) -> dict[str, Any]:
        sp = self.sp
        return {
            "__metadata": {"type": "SP.Web"},
            "Title": sp.site_path.rsplit("/", 1)[1],
            "ServerRelativeUrl": sp.site_path,
            "Url": sp.url + sp.site_path,
        }

    def _folder(self, path: str) -> dict[str, Any]:
        return {
            "__metadata": {"type": "SP.Folder"},
            "Exists": True,
            "Name": path.rsplit("/", 1)[1],
            "ServerRelativeUrl": path,
            "ServerRelativePath": _resource_path(path),
            "ItemCount": sum(1 for p in self.sp.files if p.rsplit("/", 1)[0] == path),
        }

    def _file_props(self, path: str) -> dict[str, Any]:
        f = self.sp.files[path]
        return {
            "__metadata": {"type": "SP.File"},
            "Exists": True,
            "Name": path.rsplit("/", 1)[1],
            "ServerRelativeUrl": path,
            "ServerRelativePath": _resource_path(path),
            "Length": str(len(f.data)),
            "TimeLastModified": _iso(f.modified),
            "TimeCreated": _iso(f.modified),
            "UniqueId": str(uuid.uuid5(uuid.NAMESPACE_URL, path)),
        }

    def _page(self, head, folder, collection, items, query, shape) -> dict[str, Any]:
        sp = self.sp
        top = min(int(query.get("$top", sp.page_size)), sp.page_size)
        start = 0
        skiptoken = query.get("$skiptoken", "")
        if skiptoken.startswith("Paged=TRUE&p_ID="):
            start = int(skiptoken.rsplit("=", 1)[1])
        page = items[start : start + top]
        d: dict[str, Any] = {"results": [shape(p) for p in page]}
        if start + top < len(items):
            token = quote(f"Paged=TRUE&p_ID={start + top}", safe="")
            # The next page is addressed the way this one was (Url or Path API).
            literal = quote(folder.replace("'", "''"), safe="/")
            call = (
                f"GetFolderByServerRelativePath(DecodedUrl='{literal}')"
                if head == "getfolderbyserverrelativepath"
                else f"GetFolderByServerRelativeUrl('{literal}')"
            )
            d["__next"] = (
                f"{sp.url}{sp.site_path}/_api/web/{call}/{collection}?$skiptoken={token}&$top={top}"
            )
        return {"d": d}
