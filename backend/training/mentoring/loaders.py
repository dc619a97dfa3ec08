"""DataLoaders that mentoring's types use."""

from __future__ import annotations

from backend.hazards import loaders as hazard_loaders

users = hazard_loaders.users
