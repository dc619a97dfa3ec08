"""Sensors: registry, thresholds, power zones, bridge ingestion, readings history."""
