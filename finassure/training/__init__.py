"""Training (培训): courses, plans, exams, risk awareness (issue 7)."""
