"""Training, split like Dispatch's incident package; each sub-package has the same files where it needs them.

    bank       the question bank: questions, drawing rules, CSV/JSON import and export
    courses    courses, lessons, progress and assignments (a course or an exam due by a date)
    exams      exams, attempts, answers, grading, retakes, proficiency, leaderboards       uses bank, courses
    mentoring  mentors and apprentices (师带徒), assigning, violations, practical scores    uses courses, exams
    record     the training-record read model: what a person has done and passed         reads all of them

models, rules, events, permissions, service and flows are the core (never strawberry nor backend.graphql);
types, resolvers and loaders are the API ring. The cores import only downwards in that order; so do the API
rings, except that mentoring's API answers with the record's `Apprenticeship` type (which carries the
apprentice's record: a GraphQL type pair that must live in one module). `permissions.py` here holds only who
manages training, which every sub-package checks.
"""
