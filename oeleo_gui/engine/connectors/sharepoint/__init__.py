"""The SharePoint Online destination (Office365-REST-Python-Client).

`connector` (`SharePointConnector`), `auth` (certificate, client secret or user sign-in), `rest`
(the REST session: throttling, token renewal, paging), `sending` (a file's bytes, in one request
or an upload session) and `errors` (HTTP answers in the technician's words).
"""
