"""Alarms that reach people: who a new alert calls, the system notification with sound and vibration
(plyer on Android, a desktop fallback), repeated until the alert is acknowledged or resolved."""
