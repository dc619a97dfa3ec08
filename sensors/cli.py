"""``minesafe sensors bridge`` and ``minesafe sensors simulate``. Light to import."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

app = typer.Typer(help="Sensor bridge (MQTT → edge rules → backend) and the demo simulator.", no_args_is_help=True)
logger = logging.getLogger(__name__)
TOKEN_FILE = Path("var/sensor-bridge.token")


def _broker_address(embedded_port: int) -> tuple[str, int, bool]:
    """MINESAFE_MQTT_URL, or the embedded broker when it is unset or "embedded"."""
    from sensors.bridge import parse_mqtt_url

    url = os.environ.get("MINESAFE_MQTT_URL", "embedded")
    if url == "embedded":
        return "127.0.0.1", embedded_port, True
    host, port = parse_mqtt_url(url)
    return host, port, False


@app.command()
def bridge(
    backend_url: str = typer.Option("http://127.0.0.1:8000", envvar="MINESAFE_BACKEND_URL"),
    token: str | None = typer.Option(None, envvar="MINESAFE_DEVICE_TOKEN", help=f"defaults to {TOKEN_FILE}"),
    buffer: Path = typer.Option(Path("var/sensor-bridge.sqlite"), envvar="MINESAFE_BRIDGE_BUFFER"),
    client_id: str = typer.Option("minesafe-sensor-bridge", envvar="MINESAFE_BRIDGE_CLIENT_ID"),
    embedded_port: int = typer.Option(11883, envvar="MINESAFE_MQTT_EMBEDDED_PORT"),
) -> None:
    """Run the bridge (starts the embedded broker unless MINESAFE_MQTT_URL names one)."""
    from sensors.api import BackendClient, BridgeConfig
    from sensors.bridge import BridgeOptions, SensorBridge
    from sensors.broker import EmbeddedBroker
    from sensors.buffer import BridgeStore
    from sensors.demo import demo_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per forwarded batch
    if token is None and TOKEN_FILE.exists():
        token = TOKEN_FILE.read_text().strip()
    host, port, embedded = _broker_address(embedded_port)
    broker = None
    if embedded:
        broker = EmbeddedBroker(port)
        broker.start()
    store = BridgeStore(buffer)
    client = BackendClient(backend_url, token)
    try:
        config = client.fetch_config()
    except Exception as error:
        cached = store.get_meta("config")
        config = BridgeConfig.model_validate_json(cached) if cached else demo_config()
        logger.warning("could not fetch config from %s (%s); using the %s config", backend_url, error,
                       "cached" if cached else "built-in demo")
    options = BridgeOptions(mqtt_host=host, mqtt_port=port, client_id=client_id)
    try:
        SensorBridge(config=config, store=store, backend=client, options=options).run_forever()
    finally:
        if broker is not None:
            broker.stop()


@app.command()
def simulate(
    duration: float | None = typer.Option(None, help="seconds; default runs until Ctrl-C"),
    mine: str = typer.Option("demo"),
    embedded_port: int = typer.Option(11883, envvar="MINESAFE_MQTT_EMBEDDED_PORT"),
) -> None:
    """Publish the demo mine's simulated readings (on the embedded broker by default)."""
    from sensors.simulator import run_simulator

    logging.basicConfig(level=logging.INFO)
    host, port, _ = _broker_address(embedded_port)
    count = run_simulator(host, port, mine=mine, duration_s=duration)
    typer.echo(f"published {count} readings")
