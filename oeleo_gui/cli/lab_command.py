"""`oeleo-gui lab`: every instrument's status, read from the status records on the data server.

`--dir FOLDER` (repeatable) reads destination folders on this computer or a mounted share; without
it the configured destination is read through its own connector. A table, or `--json`; `--serve`
serves the same table as a read-only web page instead (the optional `server` extra).

Exit codes: 0 every instrument is safe; 1 at least one is behind, in error, silent or has an
unreadable record, none has reported yet, or a status folder could not be read; 2 a usage error
(a folder that does not exist, no configuration, the web page's extra not installed, a --port
or --host the page cannot listen on).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import shutil
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from oeleo_gui.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from oeleo_gui.cli.output import print_json
from oeleo_gui.engine.connectors.base import Connector
from oeleo_gui.engine.lab.overview import InstrumentRow, LabOverview, Verdict
from oeleo_gui.engine.lab.reading import configured_source, folder_source, read_overview
from oeleo_gui.engine.settings.config import Settings

COLUMNS = (
    ("name", "Instrument", 28),
    ("verdict", "Verdict", 17),
    ("last_success", "Last success", 14),
    ("not_copied", "Not copied", 10),
    ("oldest_unsynced", "Oldest unsynced", 30),
    ("reason", "Reason", 0),  # the rest of the line
)
log = logging.getLogger(__name__)
SERVER_EXTRA_HINT = 'The web page needs the server extra: pip install "oeleo-gui[server]"'


def cmd_lab(args: argparse.Namespace, settings: Settings | None) -> int:
    missing = [d for d in args.dir or [] if not d.is_dir()]
    if missing:
        print(f"{missing[0]} is not a folder (check --dir).", file=sys.stderr)
        return EXIT_USAGE
    make_sources = sources_for(args.dir or [], settings)
    if args.serve:
        return _serve(args, make_sources)
    overview = read_overview(make_sources())
    if args.json:
        print_json(overview.to_json())
    else:
        print_overview(overview)
    return EXIT_OK if overview.all_safe else EXIT_FAILED


def sources_for(
    folders: Sequence[Path], settings: Settings | None
) -> Callable[[], list[Connector]]:
    """New connectors at every call (a read closes them)."""
    if folders:
        return lambda: [folder_source(f) for f in folders]
    if settings is None:
        raise ValueError("without --dir the configured destination is read")
    return lambda: [configured_source(settings)]


def serve_options_problem(args: argparse.Namespace) -> str:
    """What is wrong with --port or --refresh, in words ("" when nothing)."""
    if not 0 <= args.port <= 65535:
        return f"--port {args.port} is not a port number: give one from 1 to 65535 (default 8765)."
    if not math.isfinite(args.refresh) or args.refresh <= 0:
        return f"--refresh {args.refresh:g} is not a number of seconds: give one such as 30."
    return ""


def _serve(args: argparse.Namespace, make_sources: Callable[[], list[Connector]]) -> int:
    problem = serve_options_problem(args)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    try:
        from oeleo_gui.server.app import make_app
        from oeleo_gui.server.serve import AddressUnusable, listen, page_url, serve_forever
    except ImportError as exc:  # not installed, or the technician's executable (left out)
        log.debug("the web page cannot start: %s", exc)
        print(f"{SERVER_EXTRA_HINT}.", file=sys.stderr)
        return EXIT_USAGE
    try:
        sockets = listen(args.host, args.port)
    except AddressUnusable as exc:
        print(f"The lab overview page cannot start: {exc.title} {exc.hint}", file=sys.stderr)
        return EXIT_USAGE
    app = make_app(lambda: read_overview(make_sources()), refresh_seconds=args.refresh)
    print(f"Lab overview on {page_url(sockets)} (read-only; Ctrl+C stops it)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops cleanly, then passes it on
        serve_forever(app, sockets)
    return EXIT_OK


def printable(text: str) -> str:
    """Text from a status record, safe for a terminal: control characters (escape sequences
    could rewrite the screen) become `?`."""
    return "".join("?" if unicodedata.category(c).startswith("C") else c for c in text)


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return text
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def table_lines(rows: Sequence[InstrumentRow], width: int) -> list[str]:
    """The table, one line per instrument, the reason cut to `width` characters in all."""
    lines = ["  ".join(_fit(title, w) for _, title, w in COLUMNS).rstrip()]
    for row in rows:
        cells = row.cells()
        lines.append("  ".join(_fit(printable(cells[key]), w) for key, _, w in COLUMNS))
    limit = max(width, sum(w + 2 for _, _, w in COLUMNS) + 20)  # the reason gets 20 at least
    return [line if len(line) <= limit else line[: limit - 1] + "…" for line in lines]


def print_overview(overview: LabOverview) -> None:
    width = shutil.get_terminal_size((160, 24)).columns
    if overview.rows:
        print("\n".join(table_lines(overview.rows, width)))
        safe = sum(1 for r in overview.rows if r.verdict is Verdict.SAFE)
        print(f"\n{safe} of {len(overview.rows)} instruments safe.")
    else:
        where = ", ".join(overview.locations) or "the destination"
        print(f"No instrument has written a status record in {where} yet.")
    for problem in overview.problems:
        print(f"Could not read: {printable(problem)}", file=sys.stderr)
