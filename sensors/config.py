"""Sensor bridge settings: one typed class, read from MINESAFE_SENSORS_* environment variables (and
MINESAFE_ENVIRONMENT, shared with the backend). An unknown MINESAFE_SENSORS_* variable is refused, so a name
misspelt in a manifest stops the bridge at start-up instead of being ignored."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.sensors import MAX_AHEAD_SECONDS

ENV_PREFIX = "MINESAFE_SENSORS_"
ENVIRONMENT_VARIABLE = "MINESAFE_ENVIRONMENT"
BUFFER_FILE = "sensor-bridge.sqlite"


class UnknownSettingError(ValueError):
    """A MINESAFE_SENSORS_* variable that no setting reads (a typo, or a name from another process)."""


class BridgeSettings(BaseSettings):
    """Everything `minesafe sensors bridge` and `minesafe sensors simulate` can be told."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices(ENVIRONMENT_VARIABLE, "environment"),
        description="MINESAFE_ENVIRONMENT, as the backend reads it: outside development the bridge needs a device "
                    "token, a named broker with credentials, and never uses the embedded broker")

    # the backend (GraphQL over HTTP; the bridge never touches the database)
    api_url: str = Field(default="http://127.0.0.1:8000",
                         description="the backend's base URL (a trailing /graphql is accepted)")
    device_token: SecretStr = Field(default=SecretStr(""), description="the SENSOR_BRIDGE device token (msd_...)")
    token_file: Path = Field(default=Path("var/sensor-bridge.token"),
                             description="read when device_token is empty (seed-demo writes it; or a mounted secret)")
    http_timeout_seconds: float = Field(default=10.0, gt=0, description="one GraphQL call's limit")
    config_refresh_seconds: float = Field(default=60.0, gt=0, description="how often the sensor config is re-read")
    config_retry_max_seconds: float = Field(
        default=30.0, gt=0, description="at start-up, with no config from the backend yet: the longest wait between "
                                        "attempts (the bridge waits for the backend's config, never a demo one)")
    heartbeat_seconds: float = Field(default=15.0, gt=0,
                                     description="how often the bridge reports its health to the backend")

    # the broker
    mqtt_host: str = Field(default="", description="the broker's host; empty: the embedded amqtt broker "
                                                   "(development only)")
    mqtt_port: int = Field(default=1883, ge=1, le=65535, description="1883, or 8883 with TLS")
    mqtt_embedded_port: int = Field(default=11883, ge=1, le=65535,
                                    description="where the embedded broker listens (127.0.0.1) when mqtt_host is empty")
    mqtt_username: str = Field(default="", description="the bridge's broker user (infra/mosquitto/acl: bridge)")
    mqtt_password: SecretStr = Field(default=SecretStr(""), description="its password")
    mqtt_tls: bool = Field(default=False, description="connect with TLS (the server certificate is verified)")
    mqtt_ca_file: Path | None = Field(default=None, description="CA bundle for the broker's certificate; "
                                                                "default: the system's")
    mqtt_cert_file: Path | None = Field(default=None, description="client certificate (mutual TLS), with key file")
    mqtt_key_file: Path | None = Field(default=None, description="the client certificate's private key")
    client_id: str = Field(default="minesafe-sensor-bridge", min_length=1, max_length=64,
                           description="MQTT client id: fixed, so the broker keeps the session across restarts")

    # the edge
    buffer_dir: Path = Field(default=Path("var"),
                             description=f"holds {BUFFER_FILE} (outbox, sensor states): put it on a persistent volume")
    flush_interval_seconds: float = Field(default=0.2, gt=0, le=5,
                                          description="how often readings are written to the outbox")
    max_ahead_seconds: float = Field(default=MAX_AHEAD_SECONDS, ge=0, description=(
        "a reading dated further ahead of the bridge's clock is rejected, as the backend's "
        "MINESAFE_SENSOR_MAX_AHEAD_SECONDS rejects it"))

    # health
    metrics_port: int = Field(default=9108, ge=0, le=65535, description="Prometheus /metrics; 0: off")
    metrics_host: str = Field(default="127.0.0.1", description="the metrics listener's address (0.0.0.0 in a pod)")

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_variables(cls, data: Any) -> Any:
        refuse_unknown_variables(os.environ)
        return data

    @model_validator(mode="after")
    def _refuse_development_defaults(self) -> BridgeSettings:
        if self.environment == "development":
            return self
        if not self.mqtt_host:
            raise ValueError(f"{ENV_PREFIX}MQTT_HOST must name the broker outside development (the embedded "
                             "broker is for development only)")
        if not self.mqtt_username or not self.mqtt_password.get_secret_value():
            raise ValueError(f"{ENV_PREFIX}MQTT_USERNAME and {ENV_PREFIX}MQTT_PASSWORD must be set outside "
                             "development (the broker grants control topics only to the bridge's user)")
        if not self.device_token.get_secret_value() and not self.token_file.is_file():
            raise ValueError(f"{ENV_PREFIX}DEVICE_TOKEN (or {ENV_PREFIX}TOKEN_FILE) must be set outside development")
        return self

    @model_validator(mode="after")
    def _tls_files_go_together(self) -> BridgeSettings:
        if (self.mqtt_cert_file is None) != (self.mqtt_key_file is None):
            raise ValueError(f"{ENV_PREFIX}MQTT_CERT_FILE and {ENV_PREFIX}MQTT_KEY_FILE go together")
        if (self.mqtt_ca_file or self.mqtt_cert_file) and not self.mqtt_tls:
            raise ValueError(f"certificate files need {ENV_PREFIX}MQTT_TLS=true")
        return self

    @property
    def embedded_broker(self) -> bool:
        return not self.mqtt_host

    @property
    def buffer_path(self) -> Path:
        return self.buffer_dir / BUFFER_FILE

    @property
    def backend_base_url(self) -> str:
        url = self.api_url.rstrip("/")
        return url.removesuffix("/graphql")

    def token(self) -> str | None:
        """The device token: the variable, else the token file's content."""
        token = self.device_token.get_secret_value().strip()
        if not token and self.token_file.is_file():
            token = self.token_file.read_text().strip()
        return token or None


def variable_names() -> frozenset[str]:
    """Every environment variable the bridge reads."""
    names = {ENVIRONMENT_VARIABLE}
    names.update(f"{ENV_PREFIX}{name}".upper() for name in BridgeSettings.model_fields if name != "environment")
    return frozenset(names)


def refuse_unknown_variables(environ: Mapping[str, str]) -> None:
    """Raise UnknownSettingError for a MINESAFE_SENSORS_* variable no setting reads (with the likely meant name)."""
    known = variable_names()
    unknown = sorted(key for key in environ if key.upper().startswith(ENV_PREFIX) and key.upper() not in known)
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key.upper(), sorted(known), n=1)
        hints.append(f"{key} (did you mean {close[0]}?)" if close else key)
    raise UnknownSettingError(f"unknown sensor bridge setting(s): {', '.join(hints)}")
