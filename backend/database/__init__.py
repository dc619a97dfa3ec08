"""Engine, declarative Base, sessions and migrations."""
