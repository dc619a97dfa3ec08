"""Quantified assessment (量化考核): hazard close-out, timeliness and overdue figures; warning accuracy."""
