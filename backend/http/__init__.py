"""HTTP-level guards that sit in front of GraphQL."""
