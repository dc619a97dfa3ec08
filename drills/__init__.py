"""The drill worker (digital-twin drills): plays a planned drill through the real pipeline and scores nothing itself.

A GraphQL client like the bridge and the vision worker, never importing the backend: ``model`` reads the mine model
and the scenario the backend checked (``Drill.network``, ``Drill.scenarioDocument``); ``simulation`` (pure:
advection along the airflow, the air redistributed when a roadway blocks, evacuation routes, walkers); ``runner``
publishes readings and sightings on the drill's MQTT topics and reports camera events; ``cli`` is ``minesafe
drills run``. The model's schema, its YAML parsing and errors live in the backend (``backend/drills``).
"""
