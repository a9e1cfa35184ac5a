"""The names of the database's `meta` values, apart from the store (no peewee): `status`, which
monitoring tools start every minute, reads them through the read-only snapshot."""

META_DESTINATION = "destination"
"""The identity of the destination the filelist rows refer to (`Settings.destination_identity`)."""
META_SCHEDULE = "schedule"
"""JSON written by whoever runs the schedule (tray, `sync --loop`): pid, kind, next run, pause."""
META_LAB_RECORD = "lab_record"
"""When this instrument's status record was last written to the destination, and its verdict."""
