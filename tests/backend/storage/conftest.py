"""Fixtures for the storage tests: the real S3 server from tests/s3_server.py."""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:  # `tests` importable however pytest was started
    sys.path.insert(0, _ROOT)

from tests.s3_server import s3_server, s3_store  # noqa: E402, F401
