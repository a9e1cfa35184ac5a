"""The folder destination: a folder on this computer, a mounted share or a UNC path.

`connector` (`LocalConnector`), `errors` (its OS errors in words), `os_details` (Windows' error
codes, making folders, writing and reading back through a descriptor), `durability` (flushing a
batch to disk ahead of its renames) and `readback` (reading a large copy back on a second core
while it is written).
"""
