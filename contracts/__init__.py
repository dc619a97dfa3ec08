"""The vocabulary every minesafe process shares: standard library only, so the Android build carries it.

Nothing here imports the backend, a worker or a third-party package; every process depends on it and on
nothing of another process (tests/test_boundaries.py keeps it so).

roles       the DOMAIN.md roles
hazards     hazard states, grades, levels, sources
alerts      alert sources, ordered severities, states, verdicts, live event kinds
sensors     sensor kinds, location types, levels, faults, alarm events, power actions; threshold defaults
topics      the MQTT topic grammar, built and parsed (production and drill namespaces)
vision      zone rules, coordinate spaces, vision job states
geometry    zone geometry checks (the polygon the server accepts is the one the worker can use)
failures    failure codes: vision job failures, refused sensor readings
errors      the error codes of the GraphQL API
demo        the demo mine's layout (sensors, readers, tags) as plain data
"""
