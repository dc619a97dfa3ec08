"""Shared alerts for every source: sensors, vision, overdue hazards and people."""
