"""One Settings object, read from MINESAFE_* environment variables."""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.sensors import MAX_AHEAD_SECONDS

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


MIN_SECRET_ENTROPY_BITS = 100.0


def secret_entropy_bits(secret: str) -> float:
    """An estimate of a secret's entropy from its own character frequencies (length × Shannon entropy per
    character): 32 identical characters have 0 bits, `openssl rand -hex 32` about 250."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    return -sum(n * math.log2(n / len(secret)) for n in counts.values())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINESAFE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEV_SECRET
    database_url: str = "sqlite+aiosqlite:///var/minesafe.db"
    # the connection pool (None: PostgreSQL 20 + 20 overflow, SQLite SQLAlchemy's 5 + 10); a request waits
    # database_pool_timeout_seconds for a free connection before it fails
    database_pool_size: int | None = Field(default=None, ge=1)
    database_max_overflow: int | None = Field(default=None, ge=0)
    database_pool_timeout_seconds: float = Field(default=30.0, gt=0)
    public_url: str = "http://127.0.0.1:8000"

    # object store: "folder" (embedded default) or "s3" (MinIO, SeaweedFS, AWS)
    store: Literal["folder", "s3"] = "folder"
    store_folder: Path = Path("var/objects")
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "minesafe"
    s3_secret_key: str = "minesafe-secret"
    s3_bucket: str = "minesafe"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    # the S3 address phones and robots reach, when it differs from the one the backend uses (presigned URLs)
    s3_public_endpoint: str | None = None

    # live events: in-process (one replica), Redis or NATS (several replicas)
    event_bus: Literal["memory", "redis", "nats"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    nats_url: str = "nats://127.0.0.1:4222"

    access_token_minutes: int = 15
    refresh_token_days: int = 30
    upload_url_minutes: int = 15
    # sign-in throttles: per (username, address) a block after this many failures, doubling each time up to the
    # max; per address (all usernames) a block for the window after login_address_attempts failures in it
    login_attempts_before_lock: int = Field(default=5, ge=1)
    login_lock_minutes: int = Field(default=5, ge=1)
    login_lock_max_minutes: int = Field(default=60, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    login_address_attempts: int = Field(default=100, ge=1, description="raise it where many phones share one NAT")

    max_photo_bytes: int = 15 * 1024 * 1024
    max_photo_pixels: int = 50_000_000
    max_video_bytes: int = 2 * 1024 * 1024 * 1024
    photo_max_side: int = 2560
    thumbnail_side: int = 320

    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 5000
    graphql_max_body_bytes: int = 4 * 1024 * 1024  # a sensor batch of 10,000 readings is about 1 MB
    graphiql: bool | None = Field(default=None, description="defaults to on in development only")
    # production closes /metrics unless scrapers send `Authorization: Bearer <metrics_token>`; development and
    # test leave it open. Introspection and /openapi.json need a signed-in caller / are off in production.
    metrics_token: str | None = None

    # sensors: retention (DOMAIN.md: real-time data ≥ 3 months, statistics ≥ 2 years), batches, series
    sensor_raw_retention_days: int = Field(default=92, ge=1)
    sensor_stats_retention_days: int = Field(default=731, ge=1)
    sensor_retain_interval_minutes: float = Field(default=60.0, description="the retention task's period; 0: off")
    sensor_batch_max_readings: int = 10_000
    sensor_batch_max_alarm_changes: int = 2_000
    sensor_max_ahead_seconds: float = Field(
        default=MAX_AHEAD_SECONDS, ge=0,
        description="readings and alarm changes further ahead of the server's clock: rejected")
    # a sensor bridge neither forwarding nor reporting for this long raises an alert (checked every interval; 0: off)
    sensor_bridge_stall_seconds: float = Field(default=120.0, gt=0)
    sensor_bridge_check_interval_seconds: float = Field(default=30.0, ge=0)
    sensor_series_raw_limit: int = 50_000
    sensor_series_max_points: int = 5_000

    # alerts: how often the sweep escalates unacknowledged alerts and raises overdue-hazard alerts (0: off);
    # the escalation minutes themselves are per mine (Mine.settings "alert_escalation_minutes", see alerts/rules.py)
    alerts_sweep_interval_seconds: float = Field(default=30.0, ge=0)

    # reports: how often the sweep looks for a finished month without its scheduled report (0: off)
    reports_sweep_interval_seconds: float = Field(default=3600.0, ge=0)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEV_SECRET:  # public: anyone could sign tokens
            raise ValueError("MINESAFE_SECRET_KEY must be set outside development (the development one is public)")
        if self.environment == "production":
            if len(self.secret_key) < 32 or secret_entropy_bits(self.secret_key) < MIN_SECRET_ENTROPY_BITS:
                raise ValueError("MINESAFE_SECRET_KEY must be 32+ random characters (e.g. `openssl rand -hex 32`); "
                                 "this one is too short or too repetitive")
            if self.store == "s3" and self.s3_secret_key == "minesafe-secret":
                raise ValueError("MINESAFE_S3_SECRET_KEY must be set outside development")
        return self

    @property
    def graphiql_enabled(self) -> bool:
        return self.environment == "development" if self.graphiql is None else self.graphiql


@lru_cache
def get_settings() -> Settings:
    return Settings()
