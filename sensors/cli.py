"""``minesafe sensors bridge`` and ``minesafe sensors simulate``. Light to import."""

from __future__ import annotations

import logging

import typer

app = typer.Typer(help="Sensor bridge (MQTT → edge rules → backend) and the demo simulator.", no_args_is_help=True)
logger = logging.getLogger(__name__)


def _settings():  # type: ignore[no-untyped-def]
    """The bridge's settings, or a clear exit on an unknown or invalid MINESAFE_SENSORS_* variable."""
    from pydantic import ValidationError

    from sensors.config import BridgeSettings

    try:
        return BridgeSettings()
    except ValidationError as error:
        messages = "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
        typer.echo(f"sensor bridge settings refused: {messages}", err=True)
        raise typer.Exit(2) from None


@app.command()
def bridge() -> None:
    """Run the bridge; settings from MINESAFE_SENSORS_* (sensors/config.py). With no MINESAFE_SENSORS_MQTT_HOST
    (development only) it starts the embedded broker."""
    from sensors.api import BackendClient
    from sensors.bridge import BridgeOptions, SensorBridge, initial_config
    from sensors.broker import EmbeddedBroker
    from sensors.buffer import BridgeStore
    from sensors.metrics import serve_metrics

    settings = _settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    broker = None
    if settings.embedded_broker:
        broker = EmbeddedBroker(settings.mqtt_embedded_port)
        broker.start()
        host, port = "127.0.0.1", settings.mqtt_embedded_port
    else:
        host, port = settings.mqtt_host, settings.mqtt_port
    store = BridgeStore(settings.buffer_path)
    client = BackendClient(settings.backend_base_url, settings.token(), timeout=settings.http_timeout_seconds)
    try:
        config = initial_config(client, store, retry_max_s=settings.config_retry_max_seconds)
        if config is None:
            return
        options = BridgeOptions.from_settings(settings, mqtt_host=host, mqtt_port=port)
        sensor_bridge = SensorBridge(config=config, store=store, backend=client, options=options)
        if settings.metrics_port:
            serve_metrics(sensor_bridge, host=settings.metrics_host, port=settings.metrics_port)
        sensor_bridge.run_forever()
    except KeyboardInterrupt:
        logger.info("stopped while waiting for the sensor config")
    finally:
        if broker is not None:
            broker.stop()


@app.command()
def simulate(
    duration: float | None = typer.Option(None, help="seconds; default runs until Ctrl-C"),
    mine: str = typer.Option("demo"),
) -> None:
    """Publish the demo mine's simulated readings (on the bridge's broker: the embedded one by default)."""
    from sensors.simulator import run_simulator

    settings = _settings()
    logging.basicConfig(level=logging.INFO)
    host = settings.mqtt_host or "127.0.0.1"
    port = settings.mqtt_port if settings.mqtt_host else settings.mqtt_embedded_port
    count = run_simulator(host, port, mine=mine, duration_s=duration)
    typer.echo(f"published {count} readings")
