"""The bridge's one settings class (issue 9.2): unknown names refused, production needs a named broker, credentials
and a token, and the bridge starts on the backend's config (or the one it gave last), never on a demo one."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from contracts.client import TransportError
from sensors.api import BridgeConfig
from sensors.bridge import BridgeOptions, initial_config
from sensors.buffer import BridgeStore
from sensors.cli import app
from sensors.config import BridgeSettings, variable_names
from sensors.demo import demo_config

PRODUCTION = {
    "MINESAFE_ENVIRONMENT": "production", "MINESAFE_SENSORS_MQTT_HOST": "mosquitto",
    "MINESAFE_SENSORS_MQTT_USERNAME": "bridge", "MINESAFE_SENSORS_MQTT_PASSWORD": "s3cret",
    "MINESAFE_SENSORS_DEVICE_TOKEN": "msd_token",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("MINESAFE_"):
            monkeypatch.delenv(key)


def setenv(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_development_defaults_need_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = BridgeSettings()
    assert settings.environment == "development" and settings.embedded_broker
    assert settings.buffer_path == Path("var/sensor-bridge.sqlite") and settings.token() is None
    Path("var").mkdir()
    Path("var/sensor-bridge.token").write_text("msd_from_file\n")
    assert settings.token() == "msd_from_file"


def test_an_unknown_variable_of_the_prefix_is_refused_with_the_likely_name(monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, {"MINESAFE_SENSORS_BUFER_DIR": "/data"})
    with pytest.raises(ValidationError, match=r"MINESAFE_SENSORS_BUFER_DIR.*MINESAFE_SENSORS_BUFFER_DIR"):
        BridgeSettings()
    monkeypatch.delenv("MINESAFE_SENSORS_BUFER_DIR")
    monkeypatch.setenv("minesafe_sensors_api_urll", "x")  # names are case-insensitive, as pydantic reads them
    with pytest.raises(ValidationError, match="unknown sensor bridge setting"):
        BridgeSettings()


def test_other_processes_variables_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, {"MINESAFE_SECRET_KEY": "x" * 40, "MINESAFE_SENSOR_MAX_AHEAD_SECONDS": "60",
                         "MINESAFE_VISION_THREADS": "2"})
    BridgeSettings()


@pytest.mark.parametrize("missing", ["MINESAFE_SENSORS_MQTT_HOST", "MINESAFE_SENSORS_MQTT_USERNAME",
                                     "MINESAFE_SENSORS_MQTT_PASSWORD", "MINESAFE_SENSORS_DEVICE_TOKEN"])
def test_production_refuses_the_development_shortcuts(missing: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    setenv(monkeypatch, {k: v for k, v in PRODUCTION.items() if k != missing})
    with pytest.raises(ValidationError, match=missing):
        BridgeSettings()


def test_production_settings_become_the_bridge_options(monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, PRODUCTION | {"MINESAFE_SENSORS_MQTT_TLS": "true", "MINESAFE_SENSORS_MQTT_PORT": "8883",
                                      "MINESAFE_SENSORS_API_URL": "https://minesafe.example.org/graphql/",
                                      "MINESAFE_SENSORS_MAX_AHEAD_SECONDS": "60"})
    settings = BridgeSettings()
    assert settings.backend_base_url == "https://minesafe.example.org"
    options = BridgeOptions.from_settings(settings, mqtt_host=settings.mqtt_host, mqtt_port=settings.mqtt_port)
    assert (options.mqtt_username, options.mqtt_password, options.mqtt_tls) == ("bridge", "s3cret", True)
    assert options.max_ahead_s == 60 and options.mqtt_port == 8883
    assert "s3cret" not in repr(settings) and "s3cret" not in repr(options) and "msd_token" not in repr(settings)


@pytest.mark.parametrize("env", [
    {"MINESAFE_SENSORS_MQTT_CERT_FILE": "/c.pem", "MINESAFE_SENSORS_MQTT_TLS": "true"},  # no key
    {"MINESAFE_SENSORS_MQTT_CA_FILE": "/ca.pem"},  # without TLS
    {"MINESAFE_SENSORS_MQTT_PORT": "70000"},
    {"MINESAFE_SENSORS_FLUSH_INTERVAL_SECONDS": "0"},
    {"MINESAFE_SENSORS_MAX_AHEAD_SECONDS": "-1"},
    {"MINESAFE_ENVIRONMENT": "staging"},
    {"MINESAFE_SENSORS_CLIENT_ID": "x" * 65},
])
def test_invalid_values_are_refused(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, env)
    with pytest.raises(ValidationError):
        BridgeSettings()


def test_every_field_is_documented() -> None:
    undocumented = [name for name, f in BridgeSettings.model_fields.items() if not f.description]
    assert undocumented == []
    assert "MINESAFE_ENVIRONMENT" in variable_names() and "MINESAFE_SENSORS_ENVIRONMENT" not in variable_names()


def test_the_cli_exits_with_the_reason_on_a_bad_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    setenv(monkeypatch, {"MINESAFE_SENSORS_MQTT_HOSTNAME": "mosquitto"})
    result = CliRunner().invoke(app, ["bridge"])
    assert result.exit_code == 2 and "MINESAFE_SENSORS_MQTT_HOSTNAME" in result.output


class FlakyBackend:
    """Fails ``failures`` times, then answers ``config``."""

    def __init__(self, failures: int, config: BridgeConfig) -> None:
        self.failures, self.config, self.calls = failures, config, 0

    def fetch_config(self) -> BridgeConfig:
        self.calls += 1
        if self.calls <= self.failures:
            raise TransportError("connection refused")
        return self.config


def backend_config() -> BridgeConfig:
    return BridgeConfig(mine_code="m7", sensors=demo_config().sensors[:2])


def test_the_bridge_waits_for_the_backends_config_never_the_demo_one(tmp_path: Path) -> None:
    backend = FlakyBackend(2, backend_config())
    config = initial_config(backend, BridgeStore(tmp_path / "b.sqlite"), retry_max_s=0.05)  # type: ignore[arg-type]
    assert config == backend_config() and backend.calls == 3


def test_a_restarted_bridge_starts_at_once_on_the_config_the_backend_gave_last(tmp_path: Path) -> None:
    store = BridgeStore(tmp_path / "b.sqlite")
    store.set_meta("config", backend_config().model_dump_json())
    backend = FlakyBackend(100, backend_config())
    assert initial_config(backend, store) == backend_config() and backend.calls == 1  # type: ignore[arg-type]


def test_waiting_for_config_stops_on_request(tmp_path: Path) -> None:
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    backend = FlakyBackend(10**6, backend_config())
    assert initial_config(backend, BridgeStore(tmp_path / "b.sqlite"), retry_max_s=0.05,  # type: ignore[arg-type]
                          stop=stop) is None
    assert backend.calls >= 2


def test_a_garbled_cached_config_is_not_used(tmp_path: Path) -> None:
    store = BridgeStore(tmp_path / "b.sqlite")
    store.set_meta("config", '{"mine_code": "m7", "sensors": [{"sensor_id": 1}]}')
    backend = FlakyBackend(1, backend_config())
    assert initial_config(backend, store, retry_max_s=0.05) == backend_config()  # type: ignore[arg-type]


class HostileConfigBackend:
    """Answers a config this bridge cannot use (a threshold set that contradicts itself), then a good one."""

    def __init__(self) -> None:
        self.calls = 0

    def fetch_config(self) -> BridgeConfig:
        self.calls += 1
        if self.calls == 1:
            sensor = demo_config().sensors[0].model_dump() | {"thresholds": {"alarm": 1.0, "restore": 5.0}}
            return BridgeConfig.model_validate({"mine_code": "m7", "sensors": [sensor]})
        return backend_config()


def test_a_config_the_bridge_cannot_use_is_not_started_on(tmp_path: Path) -> None:
    backend = HostileConfigBackend()
    config = initial_config(backend, BridgeStore(tmp_path / "b.sqlite"), retry_max_s=0.05)  # type: ignore[arg-type]
    assert config == backend_config() and backend.calls == 2
