"""Mentors and apprentices (师带徒), assigning training, violations and practical scores."""
