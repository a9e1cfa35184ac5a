"""The SSH/SFTP destination (paramiko).

`connector` (`SshConnector`), `session` (signing in, the fast transport), `keys` (reading
private keys), `hostkeys` (known-hosts files and host-key trust: nothing unknown is accepted
silently), `batching` (many files per round trip) and `errors` (paramiko, socket and OS errors in
the technician's words).
"""
