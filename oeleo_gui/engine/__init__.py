"""The sync engine: scanning, deciding, copying, bookkeeping. Plain Python; never imports Qt."""
