"""Signing in to SharePoint with Office365-REST-Python-Client: a certificate (Entra ID
app-only), a client secret (SharePoint app-only through ACS), or a user name and password
where the tenant still allows it. The token is acquired at once, so sign-in errors surface
here and not at the first upload.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from office365.runtime.http.request_options import RequestOptions
from office365.sharepoint.client_context import ClientContext

from oeleo_gui.engine.errors import AuthFailed

if TYPE_CHECKING:
    from oeleo_gui.engine.settings.config import SharePointSettings

CREDENTIAL_VARS = (
    "OELEO_SHAREPOINT_CLIENT_ID and OELEO_SHAREPOINT_CLIENT_SECRET (or the certificate)"
)


def sign_in(settings: SharePointSettings, site_url: str, timeout: float) -> ClientContext:
    """A new context with a fresh token (acquired now, so sign-in errors surface here)."""
    s = settings
    ctx = ClientContext(site_url)
    if s.client_id and s.cert_path:
        try:
            ctx.with_client_certificate(
                s.tenant, s.client_id, thumbprint=s.cert_thumbprint, cert_path=str(s.cert_path)
            )
        except OSError as exc:
            raise AuthFailed(
                f"The SharePoint certificate {s.cert_path} cannot be read ({exc.strerror}).",
                "Check OELEO_SHAREPOINT_CERT_PATH: the PEM file with the private key.",
            ) from exc
    elif s.client_id and s.client_secret:
        ctx.with_client_credentials(s.client_id, s.client_secret)
    elif s.username and s.password and s.client_id and s.tenant:
        ctx.with_username_and_password(s.tenant, s.client_id, s.username, s.password)
    elif s.username and s.password:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # the legacy flow, as upstream used
            ctx.authentication_context.acquire_token_for_user(s.username, s.password)
    else:
        raise AuthFailed(
            "No SharePoint credentials are configured.",
            f"Set {CREDENTIAL_VARS}, or OELEO_SHAREPOINT_USERNAME with OELEO_PASSWORD.",
        )
    ctx.with_transport(timeout=(min(10.0, timeout), timeout))
    ctx.authentication_context.authenticate_request(RequestOptions(url=site_url))
    return ctx
