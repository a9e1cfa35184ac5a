"""The lab overview as a small read-only web page (`oeleo-gui lab --serve`), for the data server.

`app` builds the Starlette application: the page (`static/`), its script and style, and one JSON
endpoint with the overview; `serve` runs it with uvicorn. Only GET and HEAD exist: nothing here
changes anything. The page holds no value from a status record: its script fetches the JSON and
puts every value in with `textContent`, and a Content-Security-Policy forbids inline script, so
a hostile instrument name stays text.

An optional extra (`pip install "oeleo-gui[server]"`), not in the technician's executable.
Imports the engine's lab overview only; never `gui` or Qt.
"""
