"""Vision worker: job claim → decode → YOLO + tracking → rules → events; training.

Light to import: heavy libraries (torch, ultralytics, OpenCV) load inside the functions that use them.
"""
