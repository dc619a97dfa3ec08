"""Mines, areas (working faces, roadways, chambers) and teams."""
