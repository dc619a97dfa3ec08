"""Risk pre-control (风险分级管控): risk points, grading, control measures, dynamic risk, the four-colour map."""
