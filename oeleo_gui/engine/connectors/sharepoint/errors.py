"""Turning Office365-REST-Python-Client's and requests' exceptions into engine errors, for the
SharePoint destination: one message per problem, naming the variable to fix. The connector
runs every call inside `ErrorTranslator.errors`, the one place where this happens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import requests
from office365.runtime.client_request_exception import ClientRequestException

from oeleo_gui.engine.connectors.sharepoint.auth import CREDENTIAL_VARS
from oeleo_gui.engine.errors import (
    AuthFailed,
    ConnectionLost,
    DestinationError,
    DestinationFull,
    DestinationMissing,
    DestinationPermissionDenied,
    FileError,
    OeleoError,
    Unreachable,
)

MissingError = Callable[[], DestinationError]


def status_of(exc: ClientRequestException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class ErrorTranslator:
    """What the messages name: the site, library and folder, and whether a connection was up
    (a network error then means a lost connection, not a wrong address)."""

    site_url: str
    library_url: str
    root: str
    url: str
    is_connected: Callable[[], bool]

    def site_missing(self) -> DestinationError:
        return DestinationMissing(
            f"The SharePoint site {self.site_url} does not exist.",
            "Check OELEO_SHAREPOINT_URL (https://<tenant>.sharepoint.com) and "
            "OELEO_SHAREPOINT_SITENAME (the part after /sites/).",
        )

    def library_missing(self) -> DestinationError:
        return DestinationMissing(
            f"The document library {self.library_url} does not exist.",
            "Check OELEO_SHAREPOINT_DOC_LIBRARY: it is the library's name in its web address, "
            "e.g. 'Shared Documents' for the library called Documents.",
        )

    def folder_missing(self) -> DestinationError:
        return DestinationMissing(
            f"The SharePoint folder {self.root} does not exist (any more).",
            "Check OELEO_BASE_DIR_TO and OELEO_SHAREPOINT_DOC_LIBRARY; Test connection creates it.",
        )

    @contextmanager
    def errors(self, action: str, *, missing: MissingError | None = None) -> Iterator[None]:
        """The one place where library and network exceptions become engine errors."""
        try:
            yield
        except OeleoError:
            raise
        except ClientRequestException as exc:
            raise self._http_error(exc, action, missing or self.folder_missing) from exc
        except requests.exceptions.SSLError as exc:
            raise Unreachable(
                f"The TLS certificate of {self.url} is not trusted.",
                "Check OELEO_SHAREPOINT_URL; behind a TLS-inspecting proxy set REQUESTS_CA_BUNDLE "
                "to the company's CA certificates.",
            ) from exc
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise self._network_error(exc, action) from exc
        except (requests.exceptions.JSONDecodeError, KeyError) as exc:
            raise Unreachable(
                f"SharePoint sent an unexpected answer while trying to {action}.",
                "Check OELEO_SHAREPOINT_URL: it must be the tenant address, https://<tenant>.sharepoint.com.",
            ) from exc
        except (ValueError, AssertionError) as exc:  # raised by the library's sign-in flows
            raise self._sign_in_error(exc) from exc
        except OSError as exc:  # what is left is local: the source file
            raise FileError(
                f"Could not {action} ({exc.strerror or type(exc).__name__}).",
                "It is tried again on the next run.",
            ) from exc

    def _network_error(self, exc: Exception, action: str) -> DestinationError:
        reason = type(exc).__name__
        if self.is_connected():
            return ConnectionLost(
                f"The connection to SharePoint dropped while trying to {action} ({reason}).",
                "The file is tried again after reconnecting.",
            )
        return Unreachable(
            f"Cannot reach SharePoint at {self.url} ({reason}).",
            "Check OELEO_SHAREPOINT_URL, the network connection and any proxy settings.",
        )

    def _sign_in_error(self, exc: Exception) -> DestinationError:
        cause = exc.__cause__
        if isinstance(cause, requests.ConnectionError | requests.Timeout):
            return self._network_error(cause, "sign in")
        if isinstance(exc, AssertionError):  # the ACS realm lookup found no SharePoint there
            return Unreachable(
                f"{self.url} did not offer a SharePoint sign-in.",
                "Check OELEO_SHAREPOINT_URL: it is the tenant address, https://<tenant>.sharepoint.com.",
            )
        detail: Any = exc.args[0] if exc.args else exc
        if isinstance(detail, str):
            with suppress(ValueError):
                detail = json.loads(detail)
        if isinstance(detail, dict):  # an OAuth error answer (ACS, or MSAL's result dict)
            detail = f"{detail.get('error', '')}: {detail.get('error_description', '')}"
        return AuthFailed(
            f"SharePoint sign-in failed ({short(detail)}).",
            f"Check {CREDENTIAL_VARS}, OELEO_SHAREPOINT_TENANT, and the app's access to this site.",
        )

    def _http_error(
        self, exc: ClientRequestException, action: str, missing: MissingError
    ) -> OeleoError:
        status = status_of(exc)
        code = str(exc.code or "")
        message = short(exc.message or "") or f"HTTP {status}"
        if status == 507 or "QuotaExceeded" in code or "-2147024784" in code:
            return DestinationFull(
                f"The SharePoint site is out of storage ({message}).",
                "Ask the SharePoint administrator to raise the site's storage quota or free space.",
            )
        if status == 401:
            return AuthFailed(
                f"SharePoint did not accept the sign-in for {self.site_url}.",
                f"Check {CREDENTIAL_VARS}, and that the app or user has access to this site.",
            )
        if status == 403:
            return DestinationPermissionDenied(
                f"SharePoint refused to {action}: access denied.",
                f"Give the app or user Contribute (write) permission on {self.library_url}.",
            )
        if status == 404:
            return missing()
        if status in (429, 503):
            return Unreachable(
                f"SharePoint kept asking to slow down while trying to {action} (HTTP {status}).",
                "The settings are fine; the next run continues where this one stopped.",
            )
        if status is not None and status in (502, 504):
            return ConnectionLost(
                f"SharePoint did not answer in time while trying to {action} (HTTP {status}).",
                "The file is tried again after reconnecting.",
            )
        return FileError(
            f"SharePoint refused to {action} ({message}).", "It is tried again on the next run."
        )
