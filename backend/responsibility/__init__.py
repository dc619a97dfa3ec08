"""Responsibility lists (责任清单): who answers for which areas, risk points, devices and hazard levels."""
