"""``minesafe drills run``: play a planned drill's scenario through the real MQTT topics. Light to import."""

from __future__ import annotations

import logging

import typer

app = typer.Typer(help="Digital-twin drills: run a planned drill through the bridge.", no_args_is_help=True)
logger = logging.getLogger(__name__)

DRILL = """query($id: ID!) { drill(id: $id) { id code state speed scenarioDocument readingsTopic network } }"""


@app.command()
def run(drill_id: str = typer.Argument(..., help="the drill's id (planDrill)"),
        api_url: str = typer.Option("http://127.0.0.1:8000", envvar="MINESAFE_DRILLS_API_URL"),
        token: str = typer.Option(..., envvar="MINESAFE_DRILLS_TOKEN", help="a drill director's access token"),
        mqtt_host: str = typer.Option("127.0.0.1", envvar="MINESAFE_DRILLS_MQTT_HOST"),
        mqtt_port: int = typer.Option(1883, envvar="MINESAFE_DRILLS_MQTT_PORT"),
        mqtt_username: str = typer.Option("", envvar="MINESAFE_DRILLS_MQTT_USERNAME"),
        mqtt_password: str = typer.Option("", envvar="MINESAFE_DRILLS_MQTT_PASSWORD"),
        poll_s: float = typer.Option(2.0, help="drill seconds between two readings of every sensor")) -> None:
    """Start the drill, play its scenario on the mine model it was planned on, then finish and score it."""
    import json
    from datetime import datetime

    from drills.model import network_from_document, scenario_from_document
    from drills.runner import FINISH, START, DrillApi, DrillRunner, timeline

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    api = DrillApi(api_url, token)
    try:
        response = api._http.post("/graphql", json={"query": DRILL, "variables": {"id": drill_id}})
        response.raise_for_status()
        data = response.json()["data"]
        drill = data["drill"]
        if drill is None:
            typer.echo("no such drill in this mine (or not a drill director's token)", err=True)
            raise typer.Exit(2)
        network = network_from_document(json.loads(drill["network"]))
        scenario = scenario_from_document(json.loads(drill["scenarioDocument"]))
        mine = drill["readingsTopic"].split("/")[1]
        started = api.call(START, {"id": drill_id})
        runner = DrillRunner(timeline=timeline(network, scenario), mine=mine, drill_id=drill_id,
                             drill_code=drill["code"], speed=drill["speed"], api=api, mqtt_host=mqtt_host,
                             mqtt_port=mqtt_port, poll_s=poll_s, mqtt_username=mqtt_username or None,
                             mqtt_password=mqtt_password or None)
        record = runner.run(started_at=datetime.fromisoformat(started["startedAt"]))
        logger.info("drill %s played: %s batches, %s readings, %s sightings, evacuation at %s", drill["code"],
                    record.batches, record.readings, record.sightings, record.evacuation_ordered_s)
        finished = api.call(FINISH, {"id": drill_id})
        typer.echo(f"score {finished['score']}: " + "; ".join(
            f"{r['kind']} after {r['after']}: {'met' if r['met'] else r['note']}" for r in finished["results"]))
    finally:
        api.close()
