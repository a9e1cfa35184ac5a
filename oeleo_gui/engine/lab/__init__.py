"""The lab overview: each instrument's status record on its destination (`record` writes it,
`format` defines it), and reading them all back with a verdict per instrument (`reading`,
`parsing`, `overview`). Plain Python, no Qt; frontends (CLI, web page, tray) only display it.
"""
