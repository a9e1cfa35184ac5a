"""Reading, checking and writing the configuration.

`variables` declares every OELEO_*/OA_* variable once; `values` parses one value; `config`
reads `.env` and the environment into a validated `Settings`; `field_checks` says what is wrong
with a value as it is typed; `envfile` writes `.env` back (comments kept, atomic); `paths` finds
the user's folders and the `.env`; `secret_store` keeps passwords in the OS keyring.

Stands on the shared layer (`errors`, `events`, `fileio`); never imports the run flow, the
bookkeeping database or a connector.
"""
