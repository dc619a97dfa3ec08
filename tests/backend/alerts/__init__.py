"""Tests of backend/alerts."""
