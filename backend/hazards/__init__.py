"""Hazards (隐患) and their closed loop: report → triage → rectify → re-inspect → close-out."""
