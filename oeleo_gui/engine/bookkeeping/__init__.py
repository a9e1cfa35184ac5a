"""Bookkeeping: the upstream-compatible `filelist` SQLite database, its migrations, its store."""
