"""The training-record read model: what a person has done and passed, for managers and the app."""
