"""Inspection checklists (排查清单) generated from risk control measures."""
