"""Training: courses, mentors and apprentices, question bank, exams, proficiency, competitions."""
