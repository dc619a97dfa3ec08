"""Cameras, robots, danger zones, video analysis jobs and the events they raise."""
