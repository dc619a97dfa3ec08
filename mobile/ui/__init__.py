"""Shared UI pieces: the screen registry, base model / controller / screen, the theme."""
