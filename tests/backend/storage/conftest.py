"""Fixtures for the storage tests: the real S3 server from tests/s3_server.py."""

from tests.s3_server import s3_server, s3_store  # noqa: F401  (pytest fixtures)
