"""File primitives the run flow, the connectors and the settings all stand on.

`hashing` (streaming MD5), `native_paths` (database keys ⇄ this system's paths), `source_files`
(opening a source file without disturbing the program writing it) and `flush` (making writes
durable). Imports only the stdlib and the shared vocabulary (`errors`, `events`).
"""
