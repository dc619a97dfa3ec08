"""The on-device outbox: every report waits here (SQLite) until the server acknowledged it."""
