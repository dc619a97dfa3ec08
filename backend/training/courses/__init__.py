"""Courses, lessons, progress through them, and assignments (a course or an exam due by a date)."""
