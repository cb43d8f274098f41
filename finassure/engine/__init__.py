"""Transaction risk monitoring engine: pure Python, no Django (enforced by import-linter)."""
