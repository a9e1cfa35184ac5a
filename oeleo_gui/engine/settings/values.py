"""Parsing the text of one setting: yes/no words, `;` lists, extensions, `host:port`.

Each parser raises ValueError for text it cannot read; `config` turns that into a problem that
names the variable and what it expects. `mask` hides secret values in those messages.
"""

from __future__ import annotations

import re

from oeleo_gui.engine.settings.variables import SECRET_KEYS

_EXTENSION_SEPARATORS = re.compile(r"[;,\s]+")
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})
BOOL_EXPECTED = "a yes/no value: true/false, yes/no, y/n, 1/0 or on/off"


def parse_bool(value: str) -> bool:
    """Upstream's booleans plus on/off, any case. Raises ValueError for anything else."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(value)


def split_list(value: str) -> tuple[str, ...]:
    """`a;b; c;` -> ('a', 'b', 'c'): blanks dropped, so a trailing `;` does not match everything."""
    seen: dict[str, None] = {}
    for part in value.split(";"):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def normalise_extensions(value: str) -> tuple[str, ...]:
    """`.CSV; res;.csv` -> ('.csv', '.res'); `*` or `.*` -> ('*',) meaning every file.

    `;` is upstream's separator, but `.csv,.txt` and `.csv .txt` are written too (and matched
    nothing, silently): commas and blanks separate extensions as well."""
    out: dict[str, None] = {}
    for part in _EXTENSION_SEPARATORS.split(value):
        if not part:
            continue
        ext = part.lower()
        if ext in ("*", ".*", "*.*"):
            return ("*",)
        ext = ext.removeprefix("*")
        if not ext.startswith("."):
            ext = "." + ext
        out.setdefault(ext, None)
    return tuple(out)


def mask(key: str, value: str | None) -> str | None:
    if value is None:
        return None
    return "********" if key in SECRET_KEYS and value else value


def parse_host(value: str) -> tuple[str, int]:
    """`server`, `server:2222`, `[::1]:2222` -> (host, port). Raises ValueError."""
    host, port = value.strip(), 22
    if "@" in host:
        raise ValueError("the user name belongs in OELEO_USERNAME, not in the host")
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            raise ValueError("unclosed [")
        rest = host[end + 1 :]
        host = host[1:end]
        if rest:
            port = int(rest.removeprefix(":"))
    elif host.count(":") == 1:
        host, port_text = host.split(":")
        port = int(port_text)
    if not host or not 0 < port < 65536 or any(c.isspace() for c in host):
        raise ValueError(value)
    return host, port
