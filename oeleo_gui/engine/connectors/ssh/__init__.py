"""The SSH/SFTP destination (paramiko).

`connector` (`SshConnector`: the destination contract), `connection` (signing in, the sessions,
error translation in one place), `session` (the fast transport), `keys` (reading private keys),
`hostkeys` (known-hosts files and host-key trust: nothing unknown is accepted silently),
`sftp_pipe` (an SFTP session with many requests in flight), `uploads` (a batch of files sent to
temporary names), `bulk` (stat, mkdir, rename, remove of many paths at once), `readback`
(hashing by reading back, for SFTP-only accounts), `remote_md5` (hashing on the server, names on
standard input) and `errors` (paramiko, socket and OS errors in the technician's words).
"""
