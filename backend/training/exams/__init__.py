"""Exams and skill competitions: attempts, answers, grading, retakes, proficiency, leaderboards."""
