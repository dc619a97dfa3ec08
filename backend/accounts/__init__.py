"""Users, roles, login tokens and device tokens."""
