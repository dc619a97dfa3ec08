"""One Settings object, read from MINESAFE_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


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
    login_attempts_before_lock: int = 5
    login_lock_minutes: int = 5

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

    # sensors: retention (DOMAIN.md: real-time data ≥ 3 months, statistics ≥ 2 years), batches, series
    sensor_raw_retention_days: int = Field(default=92, ge=1)
    sensor_stats_retention_days: int = Field(default=731, ge=1)
    sensor_retain_interval_minutes: float = Field(default=60.0, description="the retention task's period; 0: off")
    sensor_batch_max_readings: int = 10_000
    sensor_batch_max_alarm_changes: int = 2_000
    sensor_max_ahead_seconds: float = Field(
        default=300.0, ge=0, description="readings and alarm changes further ahead of the server's clock: rejected")
    sensor_series_raw_limit: int = 50_000
    sensor_series_max_points: int = 5_000

    # alerts: how often the sweep escalates unacknowledged alerts and raises overdue-hazard alerts (0: off);
    # the escalation minutes themselves are per mine (Mine.settings "alert_escalation_minutes", see alerts/rules.py)
    alerts_sweep_interval_seconds: float = Field(default=30.0, ge=0)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                raise ValueError("MINESAFE_SECRET_KEY must be set to 32+ random characters outside development")
            if self.store == "s3" and self.s3_secret_key == "minesafe-secret":
                raise ValueError("MINESAFE_S3_SECRET_KEY must be set outside development")
        return self

    @property
    def graphiql_enabled(self) -> bool:
        return self.environment == "development" if self.graphiql is None else self.graphiql


@lru_cache
def get_settings() -> Settings:
    return Settings()
